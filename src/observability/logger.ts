import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; credential-shaped fields are redacted wherever they appear. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'authToken',
        '*.authToken',
        '*.*.authToken',
        'apiKey',
        '*.apiKey',
        '*.*.apiKey',
        'password',
        '*.password',
        'headers.authorization',
        '*.headers.authorization',
        'headers["x-twilio-signature"]',
        '*.headers["x-twilio-signature"]',
      ],
      censor: '[redacted]',
    },
  });
}
