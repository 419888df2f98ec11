import { ConfigError } from '../config/load';
import { ConfigStore } from '../config/store';
import { createLogger, type Logger } from '../observability/logger';

/** Loads the configuration for a process entry point; a bad setting ends it with a clear message. */
export function loadConfigOrExit(processName: string): { config: ConfigStore; log: Logger } {
  const log = createLogger(processName);
  try {
    const config = ConfigStore.load(process.env, (error) =>
      log.error(
        { problems: (error as ConfigError).problems ?? [error.message] },
        'configuration change rejected; keeping the previous one',
      ),
    );
    config.watch();
    config.onChange(() => log.info('configuration reloaded'));
    return { config, log: createLogger(processName, config.get().logLevel) };
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${processName}: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
