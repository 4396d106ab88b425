// startEmulator: builds the emulator's parts (rooms, tokens, faults, chat state, the webhook pusher and the
// long-connection gateway), its Koa app and routes, and listens. The API it returns is described in index.ts.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from 'koa-router';
import type { EventEnvelope, MessageReceiveEvent } from '../protocol/events.js';
import { MESSAGE_RECEIVE } from '../protocol/events.js';
import { createLogger } from '../log.js';
import { registerAuthRoutes } from './api/auth-routes.js';
import { registerBotRoutes } from './api/bot-routes.js';
import { registerCalendarRoutes } from './api/calendar-routes.js';
import { CalendarStore } from './calendar.js';
import { registerControlRoutes } from './api/control-routes.js';
import { FeishuCode, sendFeishuError } from './api/errors.js';
import { registerImRoutes } from './api/im-routes.js';
import { registerMeetingRoomRoutes } from './api/meeting-room-routes.js';
import { registerDirectoryRoutes, type DirectoryGrants } from './api/directory-routes.js';
import { logIdAndErrors, recordRequests, type ApiRequestRecord } from './api/middleware.js';
import type { EmulatorState } from './api/state.js';
import { judgeCardAnswer, judgeChallengeAnswer, type UrlVerificationResult } from './events/callbacks.js';
import {
  FEISHU_ACK_TIMEOUT_MS,
  FEISHU_RETRY_DELAYS_MS,
  type DeliveryAttempt,
  type DeliveryPolicy,
  type DeliveryResult,
} from './events/delivery.js';
import {
  buildCardActionEvent,
  buildMessageEvent,
  buildUrlVerification,
  type MessageInput,
  type TenantIdentity,
} from './events/envelopes.js';
import { EventPusher } from './events/pusher.js';
import { assertLoopbackUrl } from './events/transport.js';
import { FaultInjector } from './faults.js';
import { apiLatency, LatencyModel } from './latency.js';
import { newId, newTenantKey, newUserId } from './ids.js';
import { MessageStore, type JsonObject } from './messages.js';
import { loadRoomSeed, parseRooms, RoomCatalog } from './rooms.js';
import { TokenIssuer, type TokenAuthority } from './tokens.js';
import { createStoreMode, type StoreMode } from './store/store-mode.js';
import type {
  CardClick,
  CardClickOutcome,
  CreatedMessage,
  DeliverOptions,
  Emulator,
  EmulatorOptions,
} from './types.js';
import { registerWsEndpoint } from './ws/endpoint.js';
import { WsGateway } from './ws/gateway.js';
import { FEISHU_WS_CLIENT_CONFIG, FEISHU_WS_MAX_CONNECTIONS } from './ws/protocol.js';
import { WsEventPusher } from './ws/pusher.js';

function tenantIdentity(options: EmulatorOptions, tenantKey = options.tenantKey): TenantIdentity {
  return {
    appId: options.appId,
    tenantKey: tenantKey ?? newTenantKey(),
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

/** Resolves with the card of `messageId` once `accept` says yes to it (now, or after an update). */
function waitForCard(
  messages: MessageStore,
  messageId: string,
  accept: (card: JsonObject) => boolean,
  timeoutMs: number,
): Promise<JsonObject> {
  const current = messages.reply(messageId)?.card;
  if (current && accept(current)) return Promise.resolve(current);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(
        new Error(
          `card of ${messageId} not as expected within ${timeoutMs} ms: ${JSON.stringify(messages.reply(messageId)?.card)?.slice(0, 400)}`,
        ),
      );
    }, timeoutMs);
    const stop = messages.onCardUpdate((reply) => {
      if (reply.replyMessageId !== messageId || !reply.card || !accept(reply.card)) return;
      clearTimeout(timer);
      stop();
      resolve(reply.card);
    });
  });
}

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createLogger('silent');
  const seed = options.rooms ? parseRooms(options.rooms) : loadRoomSeed();
  const tokens = new TokenIssuer(options.tokenExpireSeconds ?? 7200, now);
  const grants: DirectoryGrants = { vcRoomRead: options.vcRoomRead ?? true };
  const faults = new FaultInjector(options.random);
  const latency = new LatencyModel(options.apiLatency, options.random);
  const messages = new MessageStore(now);
  const requests: ApiRequestRecord[] = [];
  const ackTimeoutMs = options.ackTimeoutMs ?? FEISHU_ACK_TIMEOUT_MS;
  const maxRecords = options.maxRecords ?? 10_000;
  const transport = options.eventTransport ?? 'webhook';
  const policy: DeliveryPolicy = {
    ackTimeoutMs,
    retryDelaysMs: options.retryDelaysMs ?? FEISHU_RETRY_DELAYS_MS,
    extraDeliveries: options.extraDeliveries ?? 0,
  };
  const deliveries: DeliveryAttempt[] = [];
  const pusher = new EventPusher({
    ...(options.encryptKey ? { encryptKey: options.encryptKey } : {}),
    policy,
    now,
    logger,
    log: deliveries,
    maxRecords,
  });
  const gateway = new WsGateway({
    clientConfig: { ...FEISHU_WS_CLIENT_CONFIG, ...options.wsClientConfig },
    maxConnections: options.wsMaxConnections ?? FEISHU_WS_MAX_CONNECTIONS,
    now,
    random: options.random ?? Math.random,
    logger,
    maxRecords,
  });
  const wsPusher = new WsEventPusher({ gateway, policy, now, logger, log: deliveries, maxRecords });
  let targets: { eventUrl?: string; cardUrl?: string } = {};
  if (options.store && transport === 'websocket')
    throw new Error('a store app gets its events over the webhook: the long connection is for self-built apps only');
  const storeMode: StoreMode | undefined = options.store
    ? createStoreMode(options.store, {
        app: options,
        seed,
        tokenExpireSeconds: options.tokenExpireSeconds ?? 7200,
        now,
        newIdentity: (tenantKey) => tenantIdentity(options, tenantKey),
        push: (envelope) => pusher.deliver(envelope, target('event')),
        hasEventUrl: () => targets.eventUrl !== undefined,
        onPushError: (error) => logger.warn({ err: error }, 'app_ticket push failed'),
      })
    : undefined;
  const firstTenant = storeMode?.store.list()[0];
  const identity = firstTenant?.identity ?? tenantIdentity(options);
  const rooms = firstTenant?.rooms ?? new RoomCatalog(seed);
  const authority: TokenAuthority = storeMode?.store ?? tokens;
  /** Who is who in a tenant: a store app's tenant by its key, the only tenant otherwise. */
  const identityOf = (tenantKey: string | undefined): TenantIdentity =>
    (tenantKey !== undefined ? storeMode?.store.get(tenantKey)?.identity : undefined) ?? identity;
  const roomsOf = (tenantKey: string): RoomCatalog => storeMode?.store.get(tenantKey)?.rooms ?? rooms;
  // The app's own calendar in each tenant (a store app's calendar differs by tenant, as its rooms do).
  const calendar = new CalendarStore(
    firstTenant ? `${options.appId}:${firstTenant.identity.tenantKey}` : options.appId,
    rooms,
    now,
  );
  const calendars = new Map<string, CalendarStore>(firstTenant ? [[firstTenant.identity.tenantKey, calendar]] : []);
  const calendarOf = (tenantKey: string): CalendarStore => {
    const tenant = storeMode?.store.get(tenantKey);
    if (!tenant) return calendar;
    let found = calendars.get(tenantKey);
    if (!found) {
      found = new CalendarStore(`${options.appId}:${tenantKey}`, tenant.rooms, now);
      calendars.set(tenantKey, found);
    }
    return found;
  };

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
    const built = buildMessageEvent(identityOf(input.tenantKey), input, now());
    messages.remember(built.message);
    return {
      messageId: built.message.messageId,
      chatId: built.message.chatId,
      eventId: built.envelope.header.event_id,
      envelope: built.envelope,
    };
  }

  async function deliverEnvelope(
    envelope: EventEnvelope,
    deliverOptions: DeliverOptions = {},
  ): Promise<DeliveryResult> {
    const { url, fragments, clockSkewSeconds, ...policyOverrides } = deliverOptions;
    const message = messageOf(envelope);
    if (message?.message_id && !messages.find(message.message_id)) {
      messages.remember({
        messageId: message.message_id,
        chatId: message.chat_id,
        chatType: message.chat_type === 'group' ? 'group' : 'p2p',
        ...(message.root_id ? { rootId: message.root_id } : {}),
        ...(message.thread_id ? { threadId: message.thread_id } : {}),
      });
    }
    if (transport === 'websocket') return wsPusher.deliver(envelope, { ...policyOverrides, fragments });
    return pusher.deliver(envelope, target('event', url), { ...policyOverrides, clockSkewSeconds });
  }

  async function clickCardButton(click: CardClick): Promise<CardClickOutcome> {
    const reply = messages.reply(click.messageId);
    if (!reply?.card) throw new Error(`message ${click.messageId} is not a card the bot posted`);
    const tenantKey = messages.find(reply.parentMessageId)?.tenantKey;
    const envelope = buildCardActionEvent(identityOf(tenantKey), click, reply.chatId, now());
    const response =
      transport === 'websocket'
        ? await wsPusher.call(envelope, ackTimeoutMs)
        : await pusher.post(target('card', click.url), envelope, true, ackTimeoutMs);
    const answer = judgeCardAnswer(response);
    const card = answer.response?.card;
    if (card?.type === 'raw') messages.updateCard(reply.replyMessageId, card.data as JsonObject);
    return { ...answer, card: reply.card };
  }

  async function verifyUrl(which: 'event' | 'card' = 'event'): Promise<UrlVerificationResult> {
    const challenge = buildUrlVerification(identity);
    // The challenge is encrypted when an Encrypt Key is set, but never signed.
    return judgeChallengeAnswer(await pusher.post(target(which), challenge, false, ackTimeoutMs), challenge.challenge);
  }

  const app = new Koa<EmulatorState>();
  const router = new Router<EmulatorState>();
  if (storeMode) storeMode.register(router, faults);
  else registerAuthRoutes(router, options, tokens, faults);
  registerMeetingRoomRoutes(router, roomsOf, authority, faults, now, (roomId, tenantKey) =>
    calendarOf(tenantKey).roomBookings(roomId),
  );
  registerDirectoryRoutes(router, roomsOf, authority, faults, grants, options.appId);
  registerImRoutes(router, messages, identityOf, authority, faults, now);
  registerCalendarRoutes(
    router,
    calendarOf,
    roomsOf,
    authority,
    faults,
    (tenantKey) => identityOf(tenantKey).bot.openId,
  );
  registerBotRoutes(router, identityOf, authority, faults);
  registerWsEndpoint(router, options, gateway, faults);

  let url = '';
  const emulator: Emulator = {
    get url() {
      return url;
    },
    identity,
    rooms,
    calendar,
    calendarOf,
    grants,
    replies: messages.replies,
    requests,
    deliveries,
    faults,
    apiLatency: () => latency.get(),
    setApiLatency: (change) => latency.set(change),
    eventTransport: transport,
    issuedTokens: () => storeMode?.store.issuedTenantTokens() ?? tokens.issued(),
    store: storeMode?.control,
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
    onCardUpdate: (listener) => messages.onCardUpdate(listener),
    waitForCard: (messageId, accept, timeoutMs = 5000) => waitForCard(messages, messageId, accept, timeoutMs),
    expireAllTokens: () => (storeMode ? storeMode.store.expireAll() : tokens.expireAll()),
    wsConnections: () => gateway.connections(),
    waitForWsConnections: (count, timeoutMs = 5000) => gateway.waitForReady(count, timeoutMs),
    dropWsConnections: () => gateway.dropAll(),
    wsClientConfig: () => gateway.clientConfig(),
    setWsClientConfig: (change) => gateway.setClientConfig(change),
    close: async () => {
      if (!server.listening) return;
      storeMode?.close();
      pusher.close();
      wsPusher.close();
      gateway.close();
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
      eventTransport: transport,
      botName: identity.bot.name,
      replies: messages.replies,
      onReply: emulator.onReply,
      eventTargets: emulator.eventTargets,
      createMessage,
      deliverEnvelope: (envelope) => deliverEnvelope(envelope),
      clickCardButton,
      verifyUrl,
      injectFault: (spec) => void faults.inject(spec),
      clearFaults: () => faults.clear(),
      apiLatency: emulator.apiLatency,
      setApiLatency: emulator.setApiLatency,
      expireAllTokens: emulator.expireAllTokens,
      wsConnections: emulator.wsConnections,
      dropWsConnections: emulator.dropWsConnections,
    },
    logger,
  );

  app.use(logIdAndErrors(logger));
  app.use(recordRequests(requests, now, logger, maxRecords));
  app.use(apiLatency(latency));
  app.use(router.routes());
  app.use(async (ctx) => {
    // Unknown Open API path (通用错误码 99991201: 请求路径错误 404).
    if (ctx.path.startsWith('/open-apis/'))
      sendFeishuError(ctx, 404, FeishuCode.RESOURCE_NOT_FOUND, 'resource not find');
  });

  const server = await listen(app, options.host ?? '127.0.0.1', options.port ?? 0);
  url = baseUrl(server);
  gateway.attach(server, () => url);
  logger.info(
    { url: emulator.url, rooms: rooms.list().length, encrypted: Boolean(options.encryptKey), transport },
    'feishu emulator listening',
  );
  return emulator;
}
