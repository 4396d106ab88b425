import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * One structured logger for the whole process. No log call passes credentials or tokens (Feishu errors
 * are logged as code/msg/log_id; SDK lines are reduced to text in feishu/client.ts).
 * Without a destination it writes to stdout asynchronously: under load, lines written while a write is
 * in flight go out together (one line per event would otherwise be one syscall per event on the ack
 * path). Call flushLogs() before process.exit so nothing buffered is lost.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: undefined,
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** Writes out whatever the logger still buffers. */
export function flushLogs(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
