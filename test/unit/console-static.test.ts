import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { CONSOLE_CSP, consoleStatic } from '../../src/gateway/console-static';

/** The console's static serving, against a directory shaped like Vite's output. */
describe('console static files at /console', () => {
  let dir: string;
  let server: Server;
  let base: string;

  async function serve(consoleDir: string): Promise<void> {
    const app = express();
    app.use('/console', consoleStatic(consoleDir));
    app.use((_req, res) => {
      res.status(404).json({ error: 'not found' });
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'console-static-'));
  });

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  async function build(): Promise<void> {
    await mkdir(path.join(dir, 'assets'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>console</title>');
    await writeFile(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  }

  it('answers 503 with what to run while the console is not built, then serves it once built', async () => {
    await serve(dir);
    const before = await fetch(`${base}/console/`);
    expect(before.status).toBe(503);
    expect(await before.text()).toMatch(/npm run build:console/);

    await build();
    const after = await fetch(`${base}/console/`);
    expect(after.status).toBe(200);
    expect(await after.text()).toContain('<title>console</title>');
  });

  it('serves index.html for client routes, without caching, with a strict CSP and nosniff', async () => {
    await build();
    await serve(dir);
    for (const route of ['/console/', '/console/calls/CA0123', '/console/customers/cus_1?tab=history']) {
      const res = await fetch(`${base}${route}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect(CONSOLE_CSP).toContain("default-src 'self'");
    expect(CONSOLE_CSP).toContain("media-src 'self' blob:");
    expect(CONSOLE_CSP).toContain("connect-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
  });

  it('caches hashed assets for a year and answers 404 (not the app) for a missing one', async () => {
    await build();
    await serve(dir);
    const asset = await fetch(`${base}/console/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toMatch(/javascript/);

    const missing = await fetch(`${base}/console/assets/index-old999.js`);
    expect(missing.status).toBe(404);
  });

  it('redirects /console to /console/ and refuses other methods than GET', async () => {
    await build();
    await serve(dir);
    const bare = await fetch(`${base}/console`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/console/');

    const post = await fetch(`${base}/console/`, { method: 'POST' });
    expect(post.status).toBe(405);
  });
});
