import { pino, type Logger } from 'pino';

export type { Logger };

/** One structured logger for the whole process; secrets are redacted by key name as a safety net. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: ['*.app_secret', '*.appSecret', '*.encryptKey', '*.tenant_access_token', '*.authorization'], censor: '[redacted]' },
    },
    destination ?? process.stdout,
  );
}
