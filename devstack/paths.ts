import os from 'node:os';
import path from 'node:path';

/** Per-user cache shared by every clone (and CI) so Go-built tools are built once per version. */
export function cacheRoot(): string {
  if (process.env.BELUGA_CACHE_DIR) return path.resolve(process.env.BELUGA_CACHE_DIR);
  const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'beluga');
}

export const projectRoot = path.resolve(__dirname, '..');

/** Where `npm run dev` keeps Temporal's and FerretDB's SQLite files between restarts. */
export function devDataDir(): string {
  return path.resolve(process.env.BELUGA_DATA_DIR || path.join(projectRoot, '.data'));
}
