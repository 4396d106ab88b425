// The local Feishu emulator: a real HTTP server speaking the subset of the Open API the /room bot uses,
// strictly (a request Feishu would refuse is refused the same way), and a pusher that sends events and
// card callbacks to the bot as Feishu does: to its webhook, or over the long connection the bot opens.
//
//   const emulator = await startEmulator({ appId, appSecret, verificationToken, encryptKey, eventUrl, cardUrl });
//   new lark.Client({ appId, appSecret, domain: emulator.url })          // the bot's SDK talks to it
//   startEmulator({ …, eventTransport: 'websocket' })                    // events over the long connection:
//   new lark.WSClient({ appId, appSecret, domain: emulator.url }).start({ eventDispatcher })
//
// Open API (every response has x-tt-logid; errors are {code, msg, error: {log_id, …}}):
//   POST /open-apis/auth/v3/tenant_access_token/internal          10003 bad app_id, 10014 bad secret
//   store mode (options.store, 商店应用) instead: POST /open-apis/auth/v3/app_access_token (the current
//   app_ticket only, else 10012), POST /open-apis/auth/v3/tenant_access_token (99991664 bad app token, 20009
//   tenant without the app, 99991662 app stopped there), POST /open-apis/auth/v3/app_ticket/resend (a new
//   ticket is pushed as a schema 1.0 app_ticket event, as it is every ticketIntervalMs); each tenant has its
//   own rooms (the seed under other room_ids), bot and tokens; a token of one tenant cannot reply in another's
//   chats (10034). store.install / setStatus (app_status_change) / uninstall (app_uninstalled) / pushAppTicket.
//   GET  /open-apis/meeting_room/room/batch_get_id?custom_room_ids=a&custom_room_ids=b
//   GET  /open-apis/meeting_room/room/batch_get?room_ids=omm_…&room_ids=omm_…&fields=*
//   GET  /open-apis/meeting_room/freebusy/batch_get?room_ids=omm_…&time_min=…&time_max=…
//        bookings of the seed (rooms[].bookings, in minutes from the quarter hour of the request);
//        more than 20 room_ids → 99992402, a time not RFC 3339 → 100003, time_max before time_min → 99992402
//   POST /open-apis/im/v1/messages/:message_id/reply              uuid-idempotent for 1 h
//   GET  /open-apis/bot/v3/info                                   {code, msg, bot: {open_id, app_name, …}} (not under data)
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
//   waitForCard(id, accept, timeoutMs?) / onCardUpdate(listener)  a reply's card as a callback answer or a
//                                        PATCH (更新应用发送的消息卡片) replaces it
//   calendar                             calendar v4: the app's primary calendar, events (list(), one per
//                                        idempotency_key), attendees; rooms accept or decline after
//                                        ROOM_DECISION_MS; accepted rooms show in freebusy/batch_get
//   calendarOf(tenantKey)                store mode: the app's calendar in that tenant, with its own rooms
//   requests                             every Open API request (ApiRequestRecord) with its answer
//   deliveries                           every event push, either transport (DeliveryAttempt)
//   apiLatency() / setApiLatency({fixedMs, jitterMs})  every Open API answer waits fixedMs ± jitterMs (uniform):
//                                        Feishu's tens of milliseconds, for the bench; off by default
//   faults.inject(spec) / faults.clear() make Open API calls fail (500, 429, latency, any code); with
//                                        api 'ws_endpoint', the long connection's endpoint
//   expireAllTokens() / issuedTokens()   every issued token becomes invalid (→ 99991663) / tokens so far
//   eventTransport                       'webhook' (default) or 'websocket', from the options
//   wsConnections()                      every long connection so far (id = device_id, open, pings, …)
//   waitForWsConnections(n, timeoutMs?)  resolves once n open connections have pinged
//   dropWsConnections()                  cut them all without a close frame (the SDK reconnects)
//   wsClientConfig() / setWsClientConfig(change)  the ClientConfig of later endpoint answers and pongs
//   close()                              stop the server, cut long connections, cancel pending re-deliveries
//
// Webhook pushes: encrypted ({"encrypt"}) and signed (X-Lark-Request-Timestamp/-Nonce/-Signature over the
// raw body) when encryptKey is set, plain JSON otherwise; the url challenge is never signed. Acknowledged
// only by HTTP 200 within ackTimeoutMs; re-delivered identically after each of retryDelaysMs;
// extraDeliveries adds duplicates before and after the ack.
//
// Long connection (ws/): POST /callback/ws/endpoint {AppID, AppSecret} → {code, msg, data: {URL,
// ClientConfig}} (wrong credentials 514, more than wsMaxConnections open 1000040350, always with data: {});
// the URL (ws://…/ws/v2?fpid=…&device_id=…&service_id=…&ticket=…) is good for one connection. Binary
// pbbp2 frames: each ping is answered with a pong carrying the complete ClientConfig; an event is the plain
// JSON envelope in one data frame (or `fragments` of them) to a random connection that has pinged (one is
// waited for within ackTimeoutMs), acknowledged only by the echoed frame with payload {"code":200} within
// ackTimeoutMs, on the same schedule as webhook pushes. Each push has its own frame message_id; a
// connection that closes fails its pending pushes at once. Card callbacks travel the same way, and their
// answer is the ack's base64 `data`.
//
// Control API for humans (not Feishu's): GET /_emulator, POST /_emulator/messages {text|post, chatType, mentions,
// senderTenantKey, chatId} ("@RoomBot", "@Alice", "@all" typed in the text are mentions),
// GET /_emulator/replies[?to=<message_id>][&after=<count|reply message_id>][&wait=<seconds, ≤ 30>] (a long
// poll: with wait, held until a matching reply arrives), POST /_emulator/replies/:message_id/click {value}, POST|DELETE /_emulator/faults,
// GET|PUT /_emulator/latency {fixedMs, jitterMs}, POST /_emulator/tokens/expire, POST /_emulator/verify-url, GET /_emulator/connections,
// POST /_emulator/connections/drop.
//
// SDK notes for tests: the SDK's token cache is process-wide and keyed by app_id (use a fresh app_id per
// emulator), and with disableTokenCache:false it overwrites a withTenantToken() header with its own token.
//
// Other exports: readEmulatorEnv/EMULATOR_DEFAULTS (the standalone CLI's settings), loadRoomSeed/parseRooms
// (room directory validation), FEISHU_RETRY_DELAYS_MS/FEISHU_ACK_TIMEOUT_MS (Feishu's real schedule),
// FEISHU_WS_CLIENT_CONFIG/FEISHU_WS_MAX_CONNECTIONS/WsCode (the long connection's defaults and codes).
export { startEmulator } from './server.js';
export { generateDirectory, type GeneratedDirectoryOptions } from './generate.js';
export type {
  CardClick,
  CardClickOutcome,
  CreatedMessage,
  DeliverOptions,
  Emulator,
  EmulatorOptions,
  EventTransport,
  SentMessage,
} from './types.js';
export type { ApiRequestRecord } from './api/middleware.js';
export type { CardClickResult, UrlVerificationResult } from './events/callbacks.js';
export { CardErrorCode } from './events/callbacks.js';
export type { CardClickInput, MentionInput, MessageInput, PostContent, TenantIdentity } from './events/envelopes.js';
export { typedMentions, withTypedMentions } from './events/envelopes.js';
export type { DeliveryAttempt, DeliveryPolicy, DeliveryResult, ExtraDeliveries } from './events/delivery.js';
export { FEISHU_ACK_TIMEOUT_MS, FEISHU_RETRY_DELAYS_MS } from './events/delivery.js';
export type { PushOptions } from './events/pusher.js';
export type { ApiName, BookingApiName, FaultKind, FaultSpec, FaultTarget } from './faults.js';
export { MAX_LATENCY_MS, NO_LATENCY, type ApiLatency } from './latency.js';
export type { WsConnectionInfo } from './ws/connection.js';
export { FEISHU_WS_CLIENT_CONFIG, FEISHU_WS_MAX_CONNECTIONS, WsCode, type WsClientConfig } from './ws/protocol.js';
export type { WsPushOptions } from './ws/pusher.js';
export type { JsonObject, RecordedReply } from './messages.js';
export { loadRoomSeed, parseRooms, RoomCatalog, type EmulatedRoom } from './rooms.js';
export { CalendarStore, ROOM_DECISION_MS, type EmulatedAttendee, type EmulatedEvent } from './calendar.js';
export { EMULATOR_DEFAULTS, readEmulatorEnv, type EmulatorEnv } from './env.js';
export type { AppStatus, StoreControl, StoreOptions, StoreTenantInput } from './store/store-mode.js';
export { FEISHU_TICKET_INTERVAL_MS } from './store/store-mode.js';
export type { TenantStatus } from './store/store-app.js';
