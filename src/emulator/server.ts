// The local Feishu emulator: a real HTTP server speaking the subset of the Open API the /room bot uses,
// strictly (a request Feishu would refuse is refused the same way), and a pusher that sends events and
// card callbacks to the bot's webhook as Feishu does.
//
//   const emulator = await startEmulator({ appId, appSecret, verificationToken, encryptKey, eventUrl, cardUrl });
//   new lark.Client({ appId, appSecret, domain: emulator.url })          // the bot's SDK talks to it
//
// Open API (every response has x-tt-logid; errors are {code, msg, error: {log_id, …}}):
//   POST /open-apis/auth/v3/tenant_access_token/internal          10003 bad app_id, 10014 bad secret
//   GET  /open-apis/meeting_room/room/batch_get_id?custom_room_ids=a&custom_room_ids=b
//   GET  /open-apis/meeting_room/room/batch_get?room_ids=omm_…&room_ids=omm_…&fields=*
//   POST /open-apis/im/v1/messages/:message_id/reply              uuid-idempotent for 1 h
//   token checks: no Bearer token → 99991661, unknown/expired → 99991663 (HTTP 400)
//   repeated keys only: key[]=… / missing / more than 100 IDs → 99992402 (HTTP 400)
//
// Emulator object:
//   url                                  base URL for the SDK's `domain`
//   identity                             app/tenant/bot/user/chat IDs used in pushes
//   rooms                                the room directory (RoomCatalog: list/put/remove)
//   setEventTargets(eventUrl?, cardUrl?) where pushes go (the bot may start after the emulator)
//   createMessage(input)                 a user message + its im.message.receive_v1 envelope, not pushed
//   sendMessage(input, options?)         createMessage + deliverEnvelope; resolves when the delivery settles
//   deliverEnvelope(envelope, options?)  push any envelope with retries/duplicates (DeliveryResult)
//   verifyUrl(which?)                    send the url_verification challenge; was the answer right?
//   clickCardButton(input)               card.action.trigger to the card URL; a raw card in the answer
//                                        replaces the recorded card of that reply
//   replies / repliesTo(id) / waitForReplies(count, timeoutMs?) / onReply(listener)
//   requests                             every Open API request (ApiRequestRecord) with its answer
//   deliveries                           every event push (DeliveryAttempt)
//   faults.inject(spec) / faults.clear() make Open API calls fail (500, 429, latency, any code)
//   expireAllTokens()                    every issued token becomes invalid (→ 99991663)
//   close()                              stop the server and cancel pending re-deliveries
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from 'koa-router';
import type { EventEnvelope, MessageReceiveEvent } from '../feishu/events.js';
import { MESSAGE_RECEIVE } from '../feishu/events.js';
import { createLogger, type Logger } from '../log.js';
import { registerAuthRoutes } from './api/auth-routes.js';
import { registerControlRoutes } from './api/control-routes.js';
import { FeishuCode, sendFeishuError } from './api/errors.js';
import { registerImRoutes } from './api/im-routes.js';
import { registerMeetingRoomRoutes } from './api/meeting-room-routes.js';
import { logIdAndErrors, recordRequests, type ApiRequestRecord } from './api/middleware.js';
import type { EmulatorState } from './api/state.js';
import { judgeCardAnswer, judgeChallengeAnswer, type CardClickResult, type UrlVerificationResult } from './events/callbacks.js';
import {
  buildCardActionEvent,
  buildMessageEvent,
  buildUrlVerification,
  type CardClickInput,
  type MessageInput,
  type TenantIdentity,
} from './events/envelopes.js';
import {
  EventPusher,
  FEISHU_ACK_TIMEOUT_MS,
  FEISHU_RETRY_DELAYS_MS,
  type DeliveryAttempt,
  type DeliveryPolicy,
  type DeliveryResult,
  type ExtraDeliveries,
  type PushOptions,
} from './events/pusher.js';
import { assertLoopbackUrl } from './events/transport.js';
import { FaultInjector } from './faults.js';
import { newId, newTenantKey, newUserId } from './ids.js';
import { MessageStore, type JsonObject, type RecordedReply } from './messages.js';
import { loadRoomSeed, parseRooms, RoomCatalog, type EmulatedRoom } from './rooms.js';
import { TokenIssuer } from './tokens.js';

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  appId: string;
  appSecret: string;
  verificationToken: string;
  /** When set, pushes are encrypted and signed with it; when empty, plain JSON without signature. */
  encryptKey?: string;
  /** Default a fixed-format random tenant key. */
  tenantKey?: string;
  /** Display name of the bot in @-mentions; default "RoomBot". */
  botName?: string;
  /** Lifetime of tenant tokens, in seconds; default 7200. */
  tokenExpireSeconds?: number;
  /** Room directory; default src/emulator/rooms.seed.json. */
  rooms?: readonly EmulatedRoom[];
  /** The bot's event webhook (im.message.receive_v1), e.g. http://127.0.0.1:3000/webhook/event. */
  eventUrl?: string;
  /** The bot's card callback URL (card.action.trigger). */
  cardUrl?: string;
  /** HTTP 200 must come within this time; default 3000 (Feishu's). */
  ackTimeoutMs?: number;
  /** Waits before re-deliveries; default Feishu's 15 s, 5 min, 1 h, 6 h. */
  retryDelaysMs?: readonly number[];
  /** Duplicate pushes of every event; default none. */
  extraDeliveries?: number | ExtraDeliveries;
  /** Default: silent. */
  logger?: Logger;
  /** Clock for tokens, uuid windows, timestamps and signatures; default Date.now. */
  now?: () => number;
  /** Randomness for fault probabilities; default Math.random. */
  random?: () => number;
}

export interface DeliverOptions extends Partial<DeliveryPolicy>, PushOptions {
  /** Push to this URL instead of the event URL. */
  url?: string;
}

export interface CreatedMessage {
  messageId: string;
  chatId: string;
  eventId: string;
  envelope: EventEnvelope<MessageReceiveEvent>;
}

export interface SentMessage extends CreatedMessage, DeliveryResult {
  /** The pushes of this event (same as `attempts`). */
  deliveries: DeliveryAttempt[];
}

export interface CardClick extends CardClickInput {
  /** Push to this URL instead of the card URL. */
  url?: string;
}

export interface CardClickOutcome extends CardClickResult {
  /** The card of the reply after the click (updated when the answer carried a raw card). */
  card?: JsonObject;
}

export interface Emulator {
  readonly url: string;
  readonly identity: TenantIdentity;
  readonly rooms: RoomCatalog;
  readonly replies: readonly RecordedReply[];
  readonly requests: readonly ApiRequestRecord[];
  readonly deliveries: readonly DeliveryAttempt[];
  readonly faults: FaultInjector;
  /** Tokens issued so far, oldest first. */
  issuedTokens(): string[];
  setEventTargets(eventUrl?: string, cardUrl?: string): void;
  eventTargets(): { eventUrl?: string; cardUrl?: string };
  createMessage(input: MessageInput): CreatedMessage;
  sendMessage(input: MessageInput, options?: DeliverOptions): Promise<SentMessage>;
  deliverEnvelope(envelope: EventEnvelope, options?: DeliverOptions): Promise<DeliveryResult>;
  verifyUrl(which?: 'event' | 'card'): Promise<UrlVerificationResult>;
  clickCardButton(click: CardClick): Promise<CardClickOutcome>;
  repliesTo(messageId: string): RecordedReply[];
  /** Resolves with all replies once there are `count`; rejects after timeoutMs (default 5000). */
  waitForReplies(count: number, timeoutMs?: number): Promise<RecordedReply[]>;
  onReply(listener: (reply: RecordedReply) => void): () => void;
  expireAllTokens(): void;
  close(): Promise<void>;
}

function tenantIdentity(options: EmulatorOptions): TenantIdentity {
  return {
    appId: options.appId,
    tenantKey: options.tenantKey ?? newTenantKey(),
    verificationToken: options.verificationToken,
    bot: { openId: newId('ou'), unionId: newId('on'), name: options.botName ?? 'RoomBot' },
    user: { open_id: newId('ou'), union_id: newId('on'), user_id: newUserId() },
    chats: { p2p: newId('oc'), group: newId('oc') },
  };
}

function listen(app: Koa<EmulatorState>, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

function baseUrl(server: Server): string {
  const { address, port } = server.address() as AddressInfo;
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/** The message a hand-made im.message.receive_v1 envelope carries, so the bot may reply to it. */
function messageOf(envelope: EventEnvelope): MessageReceiveEvent['message'] | undefined {
  if (envelope.header.event_type !== MESSAGE_RECEIVE) return undefined;
  return (envelope.event as Partial<MessageReceiveEvent>).message;
}

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createLogger('silent');
  const identity = tenantIdentity(options);
  const rooms = new RoomCatalog(options.rooms ? parseRooms(options.rooms) : loadRoomSeed());
  const tokens = new TokenIssuer(options.tokenExpireSeconds ?? 7200, now);
  const faults = new FaultInjector(options.random);
  const messages = new MessageStore(now);
  const requests: ApiRequestRecord[] = [];
  const ackTimeoutMs = options.ackTimeoutMs ?? FEISHU_ACK_TIMEOUT_MS;
  const pusher = new EventPusher({
    ...(options.encryptKey ? { encryptKey: options.encryptKey } : {}),
    policy: { ackTimeoutMs, retryDelaysMs: options.retryDelaysMs ?? FEISHU_RETRY_DELAYS_MS, extraDeliveries: options.extraDeliveries ?? 0 },
    now,
    logger,
  });
  let targets: { eventUrl?: string; cardUrl?: string } = {};

  function setEventTargets(eventUrl?: string, cardUrl?: string): void {
    if (eventUrl) assertLoopbackUrl(eventUrl);
    if (cardUrl) assertLoopbackUrl(cardUrl);
    targets = { ...(eventUrl ? { eventUrl } : {}), ...(cardUrl ? { cardUrl } : {}) };
  }
  setEventTargets(options.eventUrl, options.cardUrl);

  function target(which: 'event' | 'card', override?: string): string {
    const url = override ?? (which === 'event' ? targets.eventUrl : targets.cardUrl);
    if (!url) throw new Error(`no ${which} URL: pass ${which}Url to startEmulator or call setEventTargets()`);
    return url;
  }

  function createMessage(input: MessageInput): CreatedMessage {
    const built = buildMessageEvent(identity, input, now());
    messages.remember(built.message);
    return { messageId: built.message.messageId, chatId: built.message.chatId, eventId: built.envelope.header.event_id, envelope: built.envelope };
  }

  async function deliverEnvelope(envelope: EventEnvelope, deliverOptions: DeliverOptions = {}): Promise<DeliveryResult> {
    const { url, ...rest } = deliverOptions;
    const message = messageOf(envelope);
    if (message?.message_id && !messages.find(message.message_id)) {
      messages.remember({ messageId: message.message_id, chatId: message.chat_id, chatType: message.chat_type === 'group' ? 'group' : 'p2p' });
    }
    return pusher.deliver(envelope, target('event', url), rest);
  }

  async function clickCardButton(click: CardClick): Promise<CardClickOutcome> {
    const reply = messages.reply(click.messageId);
    if (!reply?.card) throw new Error(`message ${click.messageId} is not a card the bot posted`);
    const envelope = buildCardActionEvent(identity, click, reply.chatId, now());
    const answer = judgeCardAnswer(await pusher.post(target('card', click.url), envelope, true, ackTimeoutMs));
    const card = answer.response?.card;
    if (card?.type === 'raw') messages.updateCard(reply.replyMessageId, card.data as JsonObject);
    return { ...answer, ...(reply.card ? { card: reply.card } : {}) };
  }

  async function verifyUrl(which: 'event' | 'card' = 'event'): Promise<UrlVerificationResult> {
    const challenge = buildUrlVerification(identity);
    // The challenge is encrypted when an Encrypt Key is set, but never signed.
    return judgeChallengeAnswer(await pusher.post(target(which), challenge, false, ackTimeoutMs), challenge.challenge);
  }

  const app = new Koa<EmulatorState>();
  const router = new Router<EmulatorState>();
  registerAuthRoutes(router, options, tokens, faults);
  registerMeetingRoomRoutes(router, rooms, tokens, faults);
  registerImRoutes(router, messages, identity, tokens, faults);

  let url = '';
  const emulator: Emulator = {
    get url() {
      return url;
    },
    identity,
    rooms,
    replies: messages.replies,
    requests,
    deliveries: pusher.attempts,
    faults,
    issuedTokens: () => tokens.issued(),
    setEventTargets,
    eventTargets: () => ({ ...targets }),
    createMessage,
    async sendMessage(input, deliverOptions) {
      const created = createMessage(input);
      const result = await deliverEnvelope(created.envelope, deliverOptions);
      return { ...created, ...result, deliveries: result.attempts };
    },
    deliverEnvelope,
    verifyUrl,
    clickCardButton,
    repliesTo: (messageId) => messages.repliesTo(messageId),
    waitForReplies: (count, timeoutMs = 5000) => messages.waitForReplies(count, timeoutMs),
    onReply: (listener) => messages.onReply(listener),
    expireAllTokens: () => tokens.expireAll(),
    close: async () => {
      if (!server.listening) return;
      pusher.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
  registerControlRoutes(
    router,
    {
      get url() {
        return url;
      },
      replies: messages.replies,
      eventTargets: emulator.eventTargets,
      createMessage,
      deliverEnvelope: (envelope) => deliverEnvelope(envelope),
      clickCardButton,
      verifyUrl,
      injectFault: (spec) => void faults.inject(spec),
      clearFaults: () => faults.clear(),
      expireAllTokens: emulator.expireAllTokens,
    },
    logger,
  );

  app.use(logIdAndErrors(logger));
  app.use(recordRequests(requests, now, logger));
  app.use(router.routes());
  app.use(async (ctx) => {
    // Unknown Open API path (通用错误码 99991201: 请求路径错误 404).
    if (ctx.path.startsWith('/open-apis/')) sendFeishuError(ctx, 404, FeishuCode.RESOURCE_NOT_FOUND, 'resource not find');
  });

  const server = await listen(app, options.host ?? '127.0.0.1', options.port ?? 0);
  url = baseUrl(server);
  logger.info({ url: emulator.url, rooms: rooms.list().length, encrypted: Boolean(options.encryptKey) }, 'feishu emulator listening');
  return emulator;
}
