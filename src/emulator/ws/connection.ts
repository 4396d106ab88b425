// One open long connection, server side: answers the client's pings with a pong carrying the complete
// ClientConfig, sends data frames (an event, optionally split into fragments) and waits for the frame the
// client echoes back as its acknowledgement.
import { randomBytes, randomInt } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Logger } from '../../log.js';
import { decodeFrame, encodeFrame, headerOf, headerRecord, type Frame } from './frame.js';
import { FrameMethod, HeaderKey, MessageType, parseAck, type WsAck, type WsClientConfig } from './protocol.js';

/** What tests and the control API see of a connection. */
export interface WsConnectionInfo {
  /** The device_id of the connection's URL. */
  id: string;
  serviceId: number;
  /** The URL the client connected to, without its ticket. */
  url: string;
  connectedAt: number;
  closedAt?: number;
  open: boolean;
  /** Pings received; events go only to connections that have pinged at least once. */
  pings: number;
  lastPingAt?: number;
  /** Data frames sent (fragments count one each). */
  framesSent: number;
  /** Acknowledgements received for pushes still waiting for one. */
  acks: number;
}

/** How one push over this connection ended. */
export interface AckOutcome {
  /** Headers of the first data frame sent. */
  headers: Record<string, string>;
  /** The acknowledgement, when one came in time and could be read. */
  ack?: WsAck;
  /** The acknowledgement payload as text ('' when none came). */
  ackText: string;
  /** 'timeout', 'cancelled', 'connection closed', or 'bad ack'. */
  error?: string;
}

export interface PushFrames {
  payload: Uint8Array;
  /** Split the payload into this many data frames (headers sum/seq); default 1. */
  fragments: number;
  timeoutMs: number;
  signal: AbortSignal;
}

interface PendingAck {
  settle(outcome: Omit<AckOutcome, 'headers'>): void;
}

const WS_CLOSE_PROTOCOL_ERROR = 1002;
const WS_CLOSE_UNSUPPORTED_DATA = 1003;

export class WsConnection {
  readonly info: WsConnectionInfo;
  private readonly pending = new Map<string, PendingAck>();
  private seqId = 0;

  constructor(
    private readonly socket: WebSocket,
    info: Pick<WsConnectionInfo, 'id' | 'serviceId' | 'url' | 'connectedAt'>,
    private readonly deps: {
      clientConfig: () => WsClientConfig;
      now: () => number;
      logger: Logger;
      /** Called on the first ping: from then on the client listens for data frames. */
      onReady: (connection: WsConnection) => void;
      onClose: (connection: WsConnection) => void;
    },
  ) {
    this.info = { ...info, open: true, pings: 0, framesSent: 0, acks: 0 };
    socket.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    socket.on('close', () => this.closed());
    socket.on('error', (err) => deps.logger.debug({ err, connection: this.info.id }, 'long connection error'));
  }

  get ready(): boolean {
    return this.info.open && this.info.pings > 0;
  }

  /** Sends the payload as data frames and waits for the acknowledgement; never rejects. */
  push({ payload, fragments, timeoutMs, signal }: PushFrames): Promise<AckOutcome> {
    const messageId = randomBytes(16).toString('hex');
    const frames = this.dataFrames(messageId, payload, fragments);
    const headers = headerRecord(frames[0]!);
    if (!this.info.open) return Promise.resolve({ headers, ackText: '', error: 'connection closed' });
    return new Promise((resolve) => {
      const settle = (outcome: Omit<AckOutcome, 'headers'>) => {
        if (!this.pending.delete(messageId)) return;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve({ headers, ...outcome });
      };
      const onAbort = () => settle({ ackText: '', error: 'cancelled' });
      const timer = setTimeout(() => settle({ ackText: '', error: 'timeout' }), timeoutMs);
      this.pending.set(messageId, { settle });
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      for (const frame of frames) {
        this.socket.send(encodeFrame(frame), { binary: true });
        this.info.framesSent += 1;
      }
    });
  }

  /** Drops the connection the way a network failure does (no close frame). */
  terminate(): void {
    this.socket.terminate();
  }

  /** The event's bytes cut into `fragments` data frames; cut anywhere, even inside a UTF-8 character, as the SDK joins bytes. */
  private dataFrames(messageId: string, payload: Uint8Array, fragments: number): Frame[] {
    const count = Math.max(1, Math.min(Math.floor(fragments), payload.length));
    const size = Math.ceil(payload.length / count);
    const traceId = randomBytes(8).toString('hex');
    return Array.from({ length: count }, (_, seq) => ({
      SeqID: ++this.seqId,
      LogID: randomInt(1, 2 ** 47),
      service: this.info.serviceId,
      method: FrameMethod.DATA,
      headers: [
        { key: HeaderKey.TYPE, value: MessageType.EVENT },
        { key: HeaderKey.MESSAGE_ID, value: messageId },
        { key: HeaderKey.SUM, value: String(count) },
        { key: HeaderKey.SEQ, value: String(seq) },
        { key: HeaderKey.TRACE_ID, value: traceId },
      ],
      payload: payload.subarray(seq * size, (seq + 1) * size),
    }));
  }

  private receive(data: Buffer, isBinary: boolean): void {
    if (!isBinary)
      return this.violation(WS_CLOSE_UNSUPPORTED_DATA, 'text message; the long connection carries binary pbbp2 frames');
    let frame: Frame;
    try {
      frame = decodeFrame(data);
    } catch (err) {
      return this.violation(WS_CLOSE_PROTOCOL_ERROR, `not a pbbp2.Frame: ${(err as Error).message}`);
    }
    const type = headerOf(frame, HeaderKey.TYPE);
    if (frame.method === FrameMethod.CONTROL && type === MessageType.PING) return this.pong(frame);
    if (frame.method === FrameMethod.DATA) return this.acknowledge(frame);
    this.deps.logger.debug({ connection: this.info.id, method: frame.method, type }, 'long connection frame ignored');
  }

  private pong(ping: Frame): void {
    const first = this.info.pings === 0;
    this.info.pings += 1;
    this.info.lastPingAt = this.deps.now();
    this.socket.send(
      encodeFrame({
        SeqID: ping.SeqID,
        LogID: ping.LogID,
        service: ping.service,
        method: FrameMethod.CONTROL,
        headers: [{ key: HeaderKey.TYPE, value: MessageType.PONG }],
        payload: Buffer.from(JSON.stringify(this.deps.clientConfig())),
      }),
      { binary: true },
    );
    if (first) this.deps.onReady(this);
  }

  private acknowledge(frame: Frame): void {
    const messageId = headerOf(frame, HeaderKey.MESSAGE_ID) ?? '';
    const pending = this.pending.get(messageId);
    if (!pending) {
      this.deps.logger.debug(
        { connection: this.info.id, message_id: messageId },
        'acknowledgement of no pending push (late, or for another connection)',
      );
      return;
    }
    this.info.acks += 1;
    const payload = frame.payload ?? new Uint8Array();
    const ackText = Buffer.from(payload).toString('utf8');
    const ack = parseAck(payload);
    pending.settle(ack ? { ack, ackText } : { ackText, error: 'bad ack' });
  }

  private violation(code: number, reason: string): void {
    this.deps.logger.warn({ connection: this.info.id, reason }, 'long connection protocol violation; closing it');
    this.socket.close(code, reason.slice(0, 120));
  }

  private closed(): void {
    if (!this.info.open) return;
    this.info.open = false;
    this.info.closedAt = this.deps.now();
    for (const pending of [...this.pending.values()]) pending.settle({ ackText: '', error: 'connection closed' });
    this.deps.onClose(this);
  }
}
