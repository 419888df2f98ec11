import fs from 'node:fs';
import { loadConfig, type ConfigError } from './load';
import type { Config } from './schema';

type Listener = (next: Config, previous: Config) => void;

/**
 * The live configuration. The JSON file is re-read when it changes; a bad edit is reported and
 * the last good configuration stays in force, so a typo never takes a running system down.
 */
export class ConfigStore {
  private listeners = new Set<Listener>();
  private poller?: NodeJS.Timeout;

  constructor(
    private current: Config,
    private readonly env: Record<string, string | undefined> = process.env,
    private readonly onError: (error: Error) => void = () => {},
  ) {}

  static load(env: Record<string, string | undefined> = process.env, onError?: (error: Error) => void): ConfigStore {
    return new ConfigStore(loadConfig(env), env, onError);
  }

  get(): Config {
    return this.current;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads env + file; returns the error instead of throwing when the new config is invalid. */
  reload(): ConfigError | Error | undefined {
    let next: Config;
    try {
      next = loadConfig(this.env);
    } catch (error) {
      this.onError(error as Error);
      return error as Error;
    }
    const previous = this.current;
    this.current = next;
    for (const listener of this.listeners) listener(next, previous);
    return undefined;
  }

  /**
   * Polls the config file (robust to editors that replace the file, and to network filesystems
   * where change events are unreliable) and reloads when its size or mtime changes.
   */
  watch(intervalMs = 500): void {
    const file = this.env.BELUGA_CONFIG_FILE;
    if (!file || this.poller) return;
    const signature = () => {
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      return stat ? `${stat.mtimeMs}:${stat.size}` : 'missing';
    };
    let last = signature();
    this.poller = setInterval(() => {
      const now = signature();
      if (now === last) return;
      last = now;
      this.reload();
    }, intervalMs);
    this.poller.unref();
  }

  close(): void {
    clearInterval(this.poller);
    this.poller = undefined;
    this.listeners.clear();
  }
}
