// The long connection (长连接: 使用长连接接收事件/回调) as a transport: the bot opens it to Feishu itself with
// the SDK's WSClient (feishu/client.ts), so it needs no public URL, no encrypt key and no signature. Events
// and card callbacks that arrive over it get the same checks (verification token, envelope shape) and the
// same dispatch (dispatch.ts) as webhook pushes: one intake, two transports.
//
// What the SDK does (node-sdk lib/index.js, WSClient) and what follows here:
// - WSClient acknowledges a frame only once the dispatcher's promise settles: code 200 when it resolves (a
//   callback's answer rides along), code 500 when it rejects; Feishu re-delivers whatever is not
//   acknowledged with 200 within 3 s. So `receive` does what the webhook does before its 200 (token,
//   triage, durable record, de-duplication on message_id) and returns; lookup and reply run later from the
//   intake queue. A refusal (queue full, store down, shutting down) rejects: code 500, and Feishu re-delivers.
// - The SDK retries only endpoint code 1000040343; any other code (514 bad credentials, 1000040350 more
//   than 50 connections) ends the client through onError. The bot then stops with the reason, since waiting
//   would get it nothing.
// - A dropped connection is reopened by the SDK (onReconnecting, then onReconnected); frames that were in
//   flight on it were not acknowledged, and Feishu sends them again.
// - The SDK pings from the socket's open handler but attaches its frame listener a few microtasks later: a
//   frame arriving in between is dropped unacknowledged, and Feishu re-delivers it. Nothing here counts on
//   the first frame, and "up" is reported from onReady / onReconnected, which come after the listener.
import type { CardActionResponse } from '../protocol/events.js';
import { createLongConnectionClient } from '../feishu/client.js';
import { LongConnectionRefused, type RejectReason } from '../errors.js';
import { createPlainEnvelopeChecker } from '../protocol/envelope.js';
import type { Logger } from '../log.js';
import { NO_METRICS, type BotMetrics } from '../metrics.js';
import { createThrottledLog } from '../throttled-log.js';
import type { Dispatch } from './dispatch.js';

type LongConnectionState =
  | 'idle' // not started
  | 'connecting' // started, not up yet (the SDK retries what it can)
  | 'up' // receiving events
  | 'reconnecting' // lost; the SDK is reopening it
  | 'refused' // Feishu refused the app for good
  | 'closed'; // closed by us (shutdown)

export interface LongConnectionOptions {
  appId: string;
  appSecret: string;
  domain: string;
  /** Checked in each envelope's header when set (the connection itself is authenticated by the app secret). */
  verificationToken: string;
  dispatch: Dispatch;
  logger: Logger;
  metrics?: Pick<BotMetrics, 'longConnection' | 'rejection'>;
  now?: () => number;
}

export interface LongConnection {
  /** Opens the connection; resolves once it is up, rejects with LongConnectionRefused if Feishu refuses the app. */
  start(): Promise<void>;
  /** What keeps events from arriving now, for /readyz; empty when the connection is up. */
  problems(): string[];
  /** Resolves if Feishu refuses the app after the connection was up (on a reconnect): the bot should stop. */
  readonly refused: Promise<LongConnectionRefused>;
  /** Closes the connection, then waits for the events it was taking in to be recorded (or refused). */
  close(): Promise<void>;
}

export function createLongConnection(options: LongConnectionOptions): LongConnection {
  const { logger, metrics = NO_METRICS, now = Date.now } = options;
  const receive = createReceiver(options.verificationToken, options.dispatch, logger, metrics);
  let state: LongConnectionState = 'idle';
  let downSince = 0;
  let started: { resolve: () => void; reject: (error: Error) => void } | undefined;
  let markRefused!: (refusal: LongConnectionRefused) => void;
  const refused = new Promise<LongConnectionRefused>((resolve) => (markRefused = resolve));
  let starting: Promise<void> | undefined;

  const client = createLongConnectionClient({
    appId: options.appId,
    appSecret: options.appSecret,
    domain: options.domain,
    logger,
    receive: receive.take,
    onReady() {
      if (state === 'closed') return;
      state = 'up';
      metrics.longConnection('connected');
      logger.info({ transport: 'websocket' }, 'long connection up: receiving events and card callbacks');
      started?.resolve();
    },
    onReconnecting() {
      if (state === 'closed') return;
      state = 'reconnecting';
      downSince = now();
      metrics.longConnection('disconnected');
      logger.warn(
        { transport: 'websocket' },
        'long connection lost; reconnecting (unacknowledged events are re-delivered by Feishu)',
      );
    },
    onReconnected() {
      if (state === 'closed') return;
      state = 'up';
      metrics.longConnection('reconnected');
      logger.info({ transport: 'websocket', down_ms: now() - downSince }, 'long connection re-established');
    },
    onError(error) {
      if (state === 'closed') return;
      const wasUp = state !== 'connecting';
      state = 'refused';
      const refusal = explainRefusal(error);
      metrics.longConnection('refused');
      logger.fatal({ transport: 'websocket', code: refusal.code, sdk_error: error.message }, refusal.message);
      if (wasUp) markRefused(refusal);
      else started?.reject(refusal);
    },
  });

  return {
    start() {
      starting ??= new Promise<void>((resolve, reject) => {
        started = { resolve, reject };
        state = 'connecting';
        client.start();
      });
      return starting;
    },
    problems() {
      switch (state) {
        case 'up':
          return [];
        case 'idle':
        case 'connecting':
          return ['long connection not up yet'];
        case 'reconnecting':
          return [`long connection down since ${new Date(downSince).toISOString()}; reconnecting`];
        case 'refused':
          return ['long connection refused by Feishu'];
        case 'closed':
          return ['long connection closed'];
      }
    },
    refused,
    async close() {
      if (state === 'closed') return;
      const wasStarting = state === 'connecting';
      state = 'closed';
      client.close();
      if (wasStarting) started?.reject(new Error('long connection closed before it was up'));
      await receive.settled();
    },
  };
}

/** What each frame goes through before its acknowledgement, and the frames still going through it. */
function createReceiver(
  verificationToken: string,
  dispatch: Dispatch,
  logger: Logger,
  metrics: Pick<BotMetrics, 'rejection'>,
) {
  const check = createPlainEnvelopeChecker(verificationToken);
  // During an outage every event is refused the same way: a few lines a second, with a count.
  const log = createThrottledLog(logger);
  const inFlight = new Set<Promise<unknown>>();

  /** Not acknowledged: the SDK answers code 500 and Feishu re-delivers, as after the webhook's 4xx / 503. */
  const refuse = (reason: RejectReason, message: string, eventId: string | undefined): never => {
    metrics.rejection(reason);
    log('warn', reason, { reason, event_id: eventId, transport: 'websocket' }, `event not acknowledged: ${message}`);
    throw new Error(message);
  };

  async function takeOne(data: unknown): Promise<CardActionResponse | undefined> {
    const checked = check(data);
    if (checked.kind === 'rejected') return refuse(checked.reason, checked.message, checked.eventId);
    const answer = await dispatch(checked.envelope);
    switch (answer.kind) {
      case 'ack':
        return undefined; // code 200 with no data
      case 'card':
        return answer.response; // travels in the acknowledgement, as Feishu expects a callback's answer
      case 'refused':
        return refuse(answer.reason, answer.message, checked.envelope.header.event_id);
    }
  }

  return {
    take(data: unknown): Promise<unknown> {
      const taking = takeOne(data);
      inFlight.add(taking);
      const done = () => inFlight.delete(taking);
      taking.then(done, done);
      return taking;
    },
    async settled(): Promise<void> {
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** Feishu's code as the SDK reports it: "pullConnectConfig failed: code=514, msg=…". */
const SDK_CODE = /\bcode=(-?\d+)/;

/** What to tell an operator, by Feishu's code (长连接 error codes, as the SDKs name them). */
function explainRefusal(error: Error): LongConnectionRefused {
  const match = SDK_CODE.exec(error.message);
  const code = match ? Number(match[1]) : undefined;
  switch (code) {
    case 514:
      return new LongConnectionRefused(
        'Feishu refused the app credentials for the long connection (code 514): check FEISHU_APP_ID and FEISHU_APP_SECRET',
        code,
      );
    case 1000040350:
      return new LongConnectionRefused(
        'Feishu refused the long connection: the app already has as many connections open as allowed (50; code 1000040350); stop other instances of this app or run fewer replicas',
        code,
      );
    case 403:
      return new LongConnectionRefused(
        'Feishu refused the long connection (code 403): the app must be a self-built app, with events received through a persistent connection (Events & Callbacks)',
        code,
      );
    case undefined: // the SDK gave up reconnecting (ReconnectCount reached)
      return new LongConnectionRefused(
        `the long connection could not be re-established (${error.message}): check FEISHU_DOMAIN and the network`,
        code,
      );
    default:
      return new LongConnectionRefused(
        `Feishu refused the long connection (${error.message}): check FEISHU_APP_ID, FEISHU_APP_SECRET and FEISHU_DOMAIN`,
        code,
      );
  }
}
