// Errors a client causes outside the routes: Node's HTTP parser refusing a request (server 'clientError':
// malformed headers or chunks, a header timeout) and Koa's 'error' for a request stream that failed after
// the route took it. A flood of bad requests must not become a flood of log: each kind logs at most 10
// lines a second (with the count left out), and every err is bounded by the logger (log-bounds.ts: no
// rawPacket).
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
import type { Logger } from '../../log.js';
import { createThrottledLog } from '../../throttled-log.js';

/** What the peer did wrong, by the parser's code; the rest is a 400 as Node answers it. */
const STATUS_BY_CODE: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/** The peer went away: nothing to answer, nothing worth a line. */
const GONE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code.slice(0, 64) : 'unknown';
}

/** Answers as Node's own default does (400 and close), with a bounded, throttled log line instead of none. */
export function handleClientErrors(server: Server, logger: Logger): void {
  const log = createThrottledLog(logger);
  server.on('clientError', (error: Error, socket: Duplex) => {
    const code = errorCode(error);
    if (!GONE.has(code))
      log(
        'info',
        `client_error:${code}`,
        { code, reason: 'client_error' },
        'malformed request refused by the HTTP parser',
      );
    // Node's own check: answer only if no response has begun on this connection (http server internals)
    const response = (socket as unknown as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !response?.headersSent) {
      const status = STATUS_BY_CODE[code] ?? 400;
      socket.end(
        `HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      );
    }
    socket.destroy();
  });
}

/** Koa's errors outside the middleware: a request stream that failed (client) or a response that could not be sent. */
export function handleKoaErrors(app: Koa, logger: Logger): void {
  const log = createThrottledLog(logger);
  app.on('error', (error: unknown) => {
    const code = errorCode(error);
    if (GONE.has(code)) return;
    if (code.startsWith('HPE_'))
      log(
        'info',
        `koa:${code}`,
        { err: error, code, reason: 'client_error' },
        'request stream failed: malformed request',
      );
    else log('error', `koa:${code}`, { err: error, code }, 'koa error outside the request pipeline');
  });
}
