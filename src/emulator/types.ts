// Types of the emulator's public API; see index.ts for what each member does.
import type { EventEnvelope, MessageReceiveEvent } from '../protocol/events.js';
import type { Logger } from '../log.js';
import type { ApiRequestRecord } from './api/middleware.js';
import type { CardClickResult, UrlVerificationResult } from './events/callbacks.js';
import type { CardClickInput, MessageInput, TenantIdentity } from './events/envelopes.js';
import type { DeliveryAttempt, DeliveryPolicy, DeliveryResult, ExtraDeliveries } from './events/delivery.js';
import type { PushOptions } from './events/pusher.js';
import type { FaultInjector } from './faults.js';
import type { ApiLatency } from './latency.js';
import type { JsonObject, RecordedReply } from './messages.js';
import type { EmulatedRoom, RoomCatalog } from './rooms.js';
import type { CalendarStore } from './calendar.js';
import type { DirectoryGrants } from './api/directory-routes.js';
import type { WsConnectionInfo } from './ws/connection.js';
import type { WsClientConfig } from './ws/protocol.js';
import type { WsPushOptions } from './ws/pusher.js';
import type { StoreControl, StoreOptions } from './store/store-mode.js';

/** How events and card callbacks reach the bot: HTTP POSTs to its request URLs, or the long connection it opens. */
export type EventTransport = 'webhook' | 'websocket';

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
  /**
   * A store app (商店应用) installed by several tenants, each with its own rooms and bot identity, instead of
   * a self-built app in one tenant: tokens come from the store endpoints with the app_ticket the emulator pushes
   * to eventUrl (webhook only). `identity` and `rooms` are then the first tenant's.
   */
  store?: StoreOptions;
  /**
   * 'webhook' (default): events and card callbacks are POSTed to eventUrl / cardUrl. 'websocket': they go
   * over the long connection the bot opens with the SDK's WSClient (plain JSON, never encrypted).
   * The long connection's endpoint is served in both modes, as Feishu does.
   */
  eventTransport?: EventTransport;
  /** ClientConfig of the long connection (endpoint answer and every pong), in seconds; default Feishu's (120 s, -1, 30 s, 120 s). */
  wsClientConfig?: Partial<WsClientConfig>;
  /** Open long connections allowed for the app; default 50, as Feishu. */
  wsMaxConnections?: number;
  /** Whether the app has vc:room:readonly (vc/v1 room_levels and rooms answer 99991672 without it); default true. */
  vcRoomRead?: boolean;
  /** The bot's event webhook (im.message.receive_v1), e.g. http://127.0.0.1:3000/webhook/event. */
  eventUrl?: string;
  /** The bot's card callback URL (card.action.trigger). */
  cardUrl?: string;
  /** HTTP 200 (webhook) or an ack frame with code 200 (long connection) must come within this time; default 3000 (Feishu's). */
  ackTimeoutMs?: number;
  /** Waits before re-deliveries; default Feishu's 15 s, 5 min, 1 h, 6 h. */
  retryDelaysMs?: readonly number[];
  /** Duplicate pushes of every event; default none. */
  extraDeliveries?: number | ExtraDeliveries;
  /** How many Open API requests and event pushes `requests` / `deliveries` keep, oldest dropped; default 10 000. */
  maxRecords?: number;
  /** Default: silent. */
  logger?: Logger;
  /** Clock for tokens, uuid windows, timestamps and signatures; default Date.now. */
  now?: () => number;
  /**
   * How long each Open API answer waits: fixedMs ± jitterMs (uniform), as Feishu's tens of milliseconds;
   * default none. The bench sets it; it can change at any time (setApiLatency, PUT /_emulator/latency).
   */
  apiLatency?: ApiLatency;
  /** Randomness for fault probabilities and latency jitter; default Math.random. */
  random?: () => number;
}

export interface DeliverOptions extends Partial<DeliveryPolicy>, PushOptions, WsPushOptions {
  /** Webhook: push to this URL instead of the event URL. */
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
  /** Webhook: push to this URL instead of the card URL. */
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
  /** calendar v4: the app's primary calendar, events, attendees (rooms decide asynchronously). */
  readonly calendar: CalendarStore;
  /** Store mode: the app's calendar in that tenant (`calendar` is the first tenant's); otherwise `calendar`. */
  calendarOf(tenantKey: string): CalendarStore;
  /** Scopes the app holds; change them while running (e.g. grants.vcRoomRead = false). */
  readonly grants: DirectoryGrants;
  readonly replies: readonly RecordedReply[];
  readonly requests: readonly ApiRequestRecord[];
  readonly deliveries: readonly DeliveryAttempt[];
  readonly faults: FaultInjector;
  /** The delay every Open API answer waits now (see EmulatorOptions.apiLatency). */
  apiLatency(): ApiLatency;
  /** Changes it for the requests that arrive from now on; returns the new setting. Throws on a negative or absurd value. */
  setApiLatency(latency: ApiLatency): ApiLatency;
  readonly eventTransport: EventTransport;
  /** The store app's tickets and tenants (undefined for a self-built app). */
  readonly store: StoreControl | undefined;
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
  /** Told of every card replaced, by a callback's answer or a PATCH of the message. */
  onCardUpdate(listener: (reply: RecordedReply) => void): () => void;
  /** Resolves with the card of the bot's message once `accept` holds for it; rejects after timeoutMs (default 5000). */
  waitForCard(messageId: string, accept: (card: JsonObject) => boolean, timeoutMs?: number): Promise<JsonObject>;
  expireAllTokens(): void;
  /** Every long connection so far (closed ones too, with open: false), oldest first. */
  wsConnections(): WsConnectionInfo[];
  /** Resolves once `count` open long connections have pinged (events go only to those); rejects after timeoutMs (default 5000). */
  waitForWsConnections(count: number, timeoutMs?: number): Promise<WsConnectionInfo[]>;
  /** Cuts every open long connection without a close frame (a network failure); returns how many. */
  dropWsConnections(): number;
  wsClientConfig(): WsClientConfig;
  /** Changes the ClientConfig of later endpoint answers and pongs; returns the whole new config. */
  setWsClientConfig(change: Partial<WsClientConfig>): WsClientConfig;
  close(): Promise<void>;
}
