// `npm run build:console` (`vite build console`): this folder is Vite's root; the gateway serves the
// output at /console (src/gateway/console-static.ts). Vite 8 compiles .tsx itself (oxc, automatic JSX runtime).
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/console/',
  build: {
    outDir: '../dist/console',
    emptyOutDir: true,
    // Everything as files under 'self': the gateway's CSP allows no inline scripts, styles or data: fonts.
    assetsInlineLimit: 0,
    sourcemap: true,
    rolldownOptions: {
      onwarn(warning, warn) {
        // React libraries mark modules "use client" for server components; meaningless in this bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
});
