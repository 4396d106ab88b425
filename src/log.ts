import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * One structured logger for the whole process; secrets are redacted by key name as a safety net.
 * Without a destination it writes to stdout asynchronously: under load, lines written while a write is
 * in flight go out together (one line per event would otherwise be one syscall per event on the ack
 * path). Call flushLogs() before process.exit so nothing buffered is lost.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: ['*.app_secret', '*.appSecret', '*.encryptKey', '*.tenant_access_token', '*.authorization'], censor: '[redacted]' },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** Writes out whatever the logger still buffers. */
export function flushLogs(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
