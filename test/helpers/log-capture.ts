// A pino logger writing JSON lines into an array, so tests can assert what was logged.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log.js';

export type LogLine = Record<string, unknown> & { level: number; msg?: string };

export interface CapturedLogs {
  logger: Logger;
  lines: LogLine[];
  /** Lines whose fields include all of `fields`. */
  find(fields: Record<string, unknown>): LogLine[];
  /** Everything written, as one string (to check that secrets never appear). */
  text(): string;
}

export function captureLogs(level = 'debug'): CapturedLogs {
  const lines: LogLine[] = [];
  let raw = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const text = chunk.toString('utf8');
      raw += text;
      for (const line of text.split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      callback();
    },
  });
  return {
    logger: createLogger(level, stream),
    lines,
    find: (fields) => lines.filter((line) => Object.entries(fields).every(([key, value]) => line[key] === value)),
    text: () => raw,
  };
}
