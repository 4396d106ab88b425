// The emulator's long-connection gateway: hands out connection URLs (each with a one-time ticket), accepts
// the WebSocket upgrade on the emulator's own HTTP server, keeps the app's open connections (at most
// maxConnections), and picks a random connection that has pinged for each push.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../log.js';
import { WsConnection, type WsConnectionInfo } from './connection.js';
import { HeaderKey, WS_UPGRADE_PATH, WsCode, type WsClientConfig } from './protocol.js';

/** How long a URL from the endpoint may be used to connect. */
export const WS_TICKET_TTL_MS = 5 * 60_000;

export interface GatewayConfig {
  clientConfig: WsClientConfig;
  maxConnections: number;
  now: () => number;
  random: () => number;
  logger: Logger;
  /** How many connections `connections()` remembers, closed ones included (oldest dropped). */
  maxRecords: number;
}

interface Ticket {
  deviceId: string;
  serviceId: number;
  expiresAt: number;
}

/** Why a URL was not handed out or a connection not accepted. */
export interface Refusal {
  code: number;
  msg: string;
}

export class WsGateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Map<string, Ticket>();
  private readonly open = new Set<WsConnection>();
  private readonly history: WsConnectionInfo[] = [];
  private readyWaiters: Array<() => void> = [];
  private config: WsClientConfig;
  private baseUrl?: () => string;

  constructor(private readonly options: GatewayConfig) {
    this.config = { ...options.clientConfig };
  }

  /** Serves upgrades to WS_UPGRADE_PATH on `server`; `baseUrl` is the emulator's http:// URL. */
  attach(server: Server, baseUrl: () => string): void {
    this.baseUrl = baseUrl;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  clientConfig(): WsClientConfig {
    return { ...this.config };
  }

  /** Changes what later endpoint answers and pongs carry (Feishu can change it at any pong). */
  setClientConfig(change: Partial<WsClientConfig>): WsClientConfig {
    this.config = { ...this.config, ...change };
    return this.clientConfig();
  }

  /** A URL to connect to, or why none is handed out (the app already has maxConnections open). */
  issueUrl(): { url: string } | { refusal: Refusal } {
    if (this.open.size >= this.options.maxConnections) return { refusal: this.limitRefusal() };
    this.forgetExpiredTickets();
    const ticket = randomUUID();
    const deviceId = String(randomInt(1, 2 ** 47)) + String(randomInt(1e5, 1e6));
    const serviceId = randomInt(1e7, 2 ** 31);
    this.tickets.set(ticket, { deviceId, serviceId, expiresAt: this.options.now() + WS_TICKET_TTL_MS });
    const query = new URLSearchParams({
      // The Node SDK parses the whole URL with qs, so its first key is lost: device_id and service_id come later, as Feishu's do.
      fpid: '493',
      aid: '552564',
      device_id: deviceId,
      access_key: randomBytes(16).toString('hex'),
      service_id: String(serviceId),
      ticket,
    });
    return { url: `${this.wsBase()}${WS_UPGRADE_PATH}?${query.toString()}` };
  }

  connections(): WsConnectionInfo[] {
    return this.history.map((info) => ({ ...info }));
  }

  /** A random open connection that has pinged; waits up to `timeoutMs` for one. Undefined when none came. */
  async pickReady(timeoutMs: number, signal: AbortSignal): Promise<WsConnection | undefined> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const ready = this.readyConnections();
      if (ready.length > 0) return ready[Math.floor(this.options.random() * ready.length)] ?? ready[0];
      const left = deadline - performance.now();
      if (left <= 0 || signal.aborted) return undefined;
      await this.nextReady(left, signal);
    }
  }

  /** Resolves once `count` open connections have pinged; rejects after timeoutMs. */
  async waitForReady(count: number, timeoutMs: number): Promise<WsConnectionInfo[]> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const ready = this.readyConnections();
      if (ready.length >= count) return ready.map((connection) => ({ ...connection.info }));
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${ready.length} of ${count} long connections ready after ${timeoutMs} ms`);
      await this.nextReady(left);
    }
  }

  /** Cuts every open connection without a close frame, as a network failure would; returns how many. */
  dropAll(): number {
    const dropped = [...this.open];
    for (const connection of dropped) connection.terminate();
    return dropped.length;
  }

  close(): void {
    this.dropAll();
    this.wss.close();
    for (const resolve of this.readyWaiters) resolve();
    this.readyWaiters = [];
  }

  private wsBase(): string {
    if (!this.baseUrl) throw new Error('the gateway is not attached to a server');
    return this.baseUrl().replace(/^http/, 'ws');
  }

  private readyConnections(): WsConnection[] {
    return [...this.open].filter((connection) => connection.ready);
  }

  private forgetExpiredTickets(): void {
    const now = this.options.now();
    for (const [id, ticket] of this.tickets) if (ticket.expiresAt <= now) this.tickets.delete(id);
  }

  private limitRefusal(): Refusal {
    return {
      code: WsCode.EXCEED_CONN_LIMIT,
      msg: `the app already has ${this.options.maxConnections} long connections`,
    };
  }

  /** Resolves when a connection sends its first ping, after timeoutMs, or on abort, whichever comes first. */
  private nextReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.readyWaiters = this.readyWaiters.filter((waiter) => waiter !== done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      this.readyWaiters.push(done);
    });
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (url.pathname !== WS_UPGRADE_PATH) return rejectUpgrade(socket, 404, 'Not Found');
    const ticketId = url.searchParams.get('ticket') ?? '';
    const ticket = this.tickets.get(ticketId);
    this.tickets.delete(ticketId); // one connection per URL
    const valid =
      ticket !== undefined &&
      ticket.expiresAt > this.options.now() &&
      url.searchParams.get('device_id') === ticket.deviceId &&
      url.searchParams.get('service_id') === String(ticket.serviceId);
    if (!valid) {
      // Handshake refusals as Feishu's gateway sends them (oapi-sdk-go ws: parseHandshakeError).
      return rejectUpgrade(socket, 401, 'Unauthorized', {
        status: WsCode.AUTH_FAILED,
        msg: 'invalid or used ticket; ask /callback/ws/endpoint for a new URL',
      });
    }
    if (this.open.size >= this.options.maxConnections) {
      const refusal = this.limitRefusal();
      return rejectUpgrade(socket, 401, 'Unauthorized', {
        status: WsCode.AUTH_FAILED,
        msg: refusal.msg,
        authErrCode: refusal.code,
      });
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.adopt(ws, ticket, url));
  }

  private adopt(ws: WebSocket, ticket: Ticket, url: URL): void {
    url.searchParams.delete('ticket');
    const connection = new WsConnection(
      ws,
      {
        id: ticket.deviceId,
        serviceId: ticket.serviceId,
        url: `${this.wsBase()}${url.pathname}?${url.searchParams.toString()}`,
        connectedAt: this.options.now(),
      },
      {
        clientConfig: () => this.clientConfig(),
        now: this.options.now,
        logger: this.options.logger,
        onReady: () => {
          for (const resolve of this.readyWaiters) resolve();
        },
        onClose: (closed) => {
          this.open.delete(closed);
          this.options.logger.debug({ connection: closed.info.id, open: this.open.size }, 'long connection closed');
        },
      },
    );
    this.open.add(connection);
    this.history.push(connection.info);
    if (this.history.length > this.options.maxRecords)
      this.history.splice(0, this.history.length - this.options.maxRecords);
    this.options.logger.debug({ connection: connection.info.id, open: this.open.size }, 'long connection opened');
  }
}

function rejectUpgrade(
  socket: Duplex,
  status: number,
  reason: string,
  handshake?: { status: number; msg: string; authErrCode?: number },
): void {
  const headers = handshake
    ? [
        `${HeaderKey.HANDSHAKE_STATUS}: ${handshake.status}`,
        `${HeaderKey.HANDSHAKE_MSG}: ${handshake.msg}`,
        ...(handshake.authErrCode !== undefined
          ? [`${HeaderKey.HANDSHAKE_AUTH_ERR_CODE}: ${handshake.authErrCode}`]
          : []),
      ]
    : [];
  socket.end(
    [`HTTP/1.1 ${status} ${reason}`, ...headers, 'Connection: close', 'Content-Length: 0', '', ''].join('\r\n'),
  );
}
