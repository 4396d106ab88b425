import { pino, type DestinationStream, type Logger } from 'pino';
import sonicBoom from 'sonic-boom';
import { boundedError } from './log-bounds.js';

// sonic-boom is CommonJS: its class is the default export (and a property of it, as typed).
const { SonicBoom } = sonicBoom;

export type { Logger };

/**
 * stdout, written asynchronously: under load, lines written while a write is in flight go out together
 * (one line per event would otherwise be one syscall per event on the ack path).
 *
 * Built here rather than with pino.destination(): that one flushes synchronously at process exit and
 * retries EPIPE without end, so once stdout's reader has gone (a closed pipe) the process never exits.
 * Here a failed write ends logging to stdout, and the bot carries on without it.
 */
class StdoutDestination implements DestinationStream {
  private readonly stream = new SonicBoom({ fd: 1, sync: false });
  /** No write in flight: everything written so far is out. */
  private idle = true;
  private closed = false;

  constructor() {
    this.stream.on('drain', () => {
      this.idle = true;
    });
    // EPIPE (the reader went away) or any other write error: nothing more can be shown there.
    this.stream.on('error', () => {
      this.closed = true;
      this.idle = true;
    });
  }

  write(line: string): void {
    if (this.closed) return;
    this.idle = false;
    this.stream.write(line);
  }

  /** Calls back once every line written so far is out, or cannot be (pino's logger.flush calls this). */
  flush(done: () => void): void {
    if (this.idle) return done();
    const settle = () => {
      this.stream.off('drain', settle);
      this.stream.off('error', settle);
      done();
    };
    this.stream.on('drain', settle);
    this.stream.on('error', settle);
  }
}

/**
 * One structured logger for the whole process. No log call passes credentials or tokens (Feishu errors
 * are logged as code/feishu_msg/log_id; SDK lines are reduced to text in feishu/client.ts), and every error
 * is logged bounded (log-bounds.ts).
 * Without a destination it writes to stdout asynchronously; call flushLogs() before process.exit so
 * nothing buffered is lost.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  // err (and error) fields bounded however they were thrown: see log-bounds.ts
  const serializers = { err: boundedError, error: boundedError };
  return pino({ level, base: undefined, serializers }, destination ?? new StdoutDestination());
}

/** Writes out whatever the logger still buffers (resolves at once if its destination cannot say). */
export function flushLogs(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
