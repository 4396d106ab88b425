// Public surface of the local Feishu emulator (see server.ts for the full description).
export { startEmulator } from './server.js';
export type { CardClick, CardClickOutcome, CreatedMessage, DeliverOptions, Emulator, EmulatorOptions, SentMessage } from './server.js';
export type { ApiRequestRecord } from './api/middleware.js';
export type { CardClickResult, UrlVerificationResult } from './events/callbacks.js';
export { CardErrorCode } from './events/callbacks.js';
export type { CardClickInput, MessageInput, PostContent, TenantIdentity } from './events/envelopes.js';
export type { DeliveryAttempt, DeliveryPolicy, DeliveryResult, ExtraDeliveries } from './events/pusher.js';
export { FEISHU_ACK_TIMEOUT_MS, FEISHU_RETRY_DELAYS_MS } from './events/pusher.js';
export type { ApiName, FaultKind, FaultSpec } from './faults.js';
export type { JsonObject, RecordedReply } from './messages.js';
export { loadRoomSeed, parseRooms, RoomCatalog, type EmulatedRoom } from './rooms.js';
export { EMULATOR_DEFAULTS, readEmulatorEnv, type EmulatorEnv } from './env.js';
