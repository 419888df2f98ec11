import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ConfigStore } from '../../src/config/store';
import type { Logger } from '../../src/observability/logger';

/** A config file in a temporary folder, and the live store reading it (rewrite, then `reload()`). */
export class TempConfig {
  readonly file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'beluga-config-')), 'config.json');
  readonly store: ConfigStore;

  constructor(content: Record<string, unknown>, env: Record<string, string> = {}) {
    this.write(content);
    this.store = ConfigStore.load({ ...env, BELUGA_CONFIG_FILE: this.file });
  }

  write(content: Record<string, unknown>): void {
    fs.writeFileSync(this.file, JSON.stringify(content));
  }

  remove(): void {
    this.store.close();
    fs.rmSync(path.dirname(this.file), { recursive: true, force: true });
  }
}

/** A logger whose lines the test can read (pino's JSON, one object per line). */
export function capturedLogger(): { log: Logger; lines: Array<Record<string, unknown>>; text(): string } {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString('utf8'));
      done();
    },
  });
  const log = pino({ level: 'debug' }, sink);
  return {
    log,
    get lines() {
      return raw
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    text: () => raw.join(''),
  };
}
