// MAX_CONNECTIONS without letting slow clients hold the door: Node's own server.maxConnections closes the
// newest connection at the cap, so a slowloris that opens the cap's worth of connections and never finishes a
// request locks out every push. Here, at the cap, the connection that has waited longest without a complete
// request (connected, headers or body still arriving, or idle between keep-alive requests) is closed to make
// room; a connection whose request is complete and being answered is never closed. The cap only refuses the
// newcomer when every connection is busy with a real request. Addresses play no part, so it holds behind a
// reverse proxy, where every client has the proxy's address.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../../log.js';
import type { BotMetrics } from '../../metrics.js';
import { createThrottledLog } from '../../throttled-log.js';

export function capConnections(
  server: Server,
  maxConnections: number,
  logger: Logger,
  metrics: Pick<BotMetrics, 'rejection'>,
): void {
  const log = createThrottledLog(logger);
  const open = new Set<Socket>();
  /** Open connections not answering a complete request, longest waiting first (a Set keeps insertion order). */
  const waiting = new Set<Socket>();

  server.on('connection', (socket: Socket) => {
    open.add(socket);
    waiting.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      waiting.delete(socket);
    });
    if (open.size <= maxConnections) return;
    const oldest = waiting.values().next().value;
    const closed = oldest !== undefined && oldest !== socket ? oldest : socket;
    open.delete(closed);
    waiting.delete(closed);
    closed.destroy();
    const reason = closed === socket ? 'connection_refused' : 'connection_evicted';
    metrics.rejection(reason);
    log(
      'warn',
      reason,
      { reason, max_connections: maxConnections },
      closed === socket
        ? 'connection refused: MAX_CONNECTIONS reached and every connection is answering a request'
        : 'MAX_CONNECTIONS reached: closed the connection that waited longest without a complete request',
    );
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    const busy = () => waiting.delete(socket);
    // a request without a body is complete with its headers; one with a body once it has all arrived
    if (req.complete) busy();
    else req.once('end', busy);
    res.once('close', () => {
      if (!socket.destroyed && open.has(socket)) waiting.add(socket); // keep-alive: waits for the next request
    });
  });
}
