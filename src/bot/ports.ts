// What the bot needs from the outside world: every port, in one place. src/feishu implements the Feishu ones
// with the SDK, src/state the stores and the intake queue; tests may implement them too. Nothing here does I/O.
import type { Command } from './command.js';
import type { FreeFilter } from './directory/free.js';
import type { DirectoryRoom } from './directory/model.js';
import type { SearchResult } from './directory/search.js';

/** meeting_room v1 room details (batch_get, fields=*). Fields Feishu may omit are optional. */
export interface RoomDetails {
  room_id: string;
  name?: string;
  capacity?: number;
  building_id?: string;
  building_name?: string;
  floor_name?: string;
  description?: string;
  display_id?: string;
  is_disabled?: boolean;
}

export interface LookupOptions {
  /** Skip the lookup cache (the card's Refresh button). */
  bypassCache?: boolean;
}

export interface RoomDirectory {
  /** custom_room_id → room_id for the IDs Feishu knows; IDs it does not know are absent. */
  findRoomIds(customRoomIds: readonly string[], options?: LookupOptions): Promise<Map<string, string>>;
  /** room_id → details for the rooms Feishu returns; absent ones are unknown. */
  getRoomDetails(roomIds: readonly string[], options?: LookupOptions): Promise<Map<string, RoomDetails>>;
}

/**
 * One booking of a room as meeting_room v1 freebusy/batch_get (查询会议室忙闲) returns it. Times are RFC 3339
 * with an offset. organizer_info is absent for private bookings (the doc: 私密日程不返回该信息) and carries
 * no name for bookings made by apps.
 */
export interface FreeBusyInstance {
  start_time: string;
  end_time: string;
  uid?: string;
  original_time?: number;
  organizer_info?: { name?: string; open_id?: string };
}

/** A span of time, as epoch milliseconds: from inclusive, to exclusive. */
export interface TimeWindow {
  from: number;
  to: number;
}

export interface RoomCalendar {
  /**
   * room_id → its bookings that overlap `window` (an empty list: free throughout). Rooms Feishu gave no
   * answer for are absent: their availability is unknown.
   */
  getFreeBusy(
    roomIds: readonly string[],
    window: TimeWindow,
    options?: LookupOptions,
  ): Promise<Map<string, FreeBusyInstance[]>>;
}

/** An interactive card as sent to Feishu (the object that is JSON-encoded into `content`). */
export type Card = Record<string, unknown>;

export interface Messenger {
  /** im.v1.message.reply with msg_type "interactive"; `uuid` makes repeated attempts post at most once. */
  replyWithCard(messageId: string, card: Card, uuid: string): Promise<{ message_id?: string }>;
}

// The intake: what is recorded for one accepted message, and the durable queue it waits in until answered
// (a local journal for one process, BullMQ on Redis for several replicas). The webhook and the long connection
// ack a message only once `add` has resolved, so from then on a crash cannot lose it.

/** What is recorded for one accepted message: everything its answer needs, parsed once at intake. */
export interface MessageJob {
  /** Absent on messages (and on records written before bookings existed). */
  kind?: 'message';
  message_id: string;
  event_id: string;
  chat_type: string;
  command: Command;
  /** When the intake accepted it (ms since epoch); retries give up relative to this. */
  received_at: number;
  /** The tenant the message came from (its event's header.tenant_key); store app: every call for it uses that tenant. */
  tenant_key?: string;
  /** The sender's open_id (who a typed booking is for); absent in older records. */
  sender_open_id?: string;
}

/**
 * A booking or a cancellation, recorded in the same intake as messages (so it survives kill -9 the same way).
 * `message_id` is the job's key there (bookingJobKey / cancelJobKey), not a Feishu message.
 */
export interface BookingJob {
  kind: 'booking';
  message_id: string;
  /** The card callback's event_id (or the typed message's). */
  event_id: string;
  received_at: number;
  task: BookingTask;
}

/** Everything a booking job needs; the tenant decided at the edge and carried in. */
export interface BookingTask {
  op: 'book' | 'cancel';
  tenant_key: string;
  /** The card to patch with the outcome: the card clicked, or the card the bot replied to a typed command with. */
  card_message_id: string;
  /** The typed command's message, when there is no card yet: the job replies to it with one. */
  reply_to_message_id?: string;
  room_id: string;
  /** How people call the room (its custom_room_id), for the card. */
  room_label: string;
  start: number;
  end: number;
  /** open_id of the person booking (or cancelling). */
  booker_open_id: string;
  idempotency_key: string;
  /** Cancel: the event to delete. */
  event?: CalendarEventRef;
}

/** Any record of the intake. */
export type IntakeJob = MessageJob | BookingJob;

export type AddResult =
  /** Recorded now: it will be answered even if this process dies. */
  | 'added'
  /** Already recorded (a re-delivery): answered, or being answered, from the first record. */
  | 'duplicate'
  /** The store holds as many unanswered messages as it may: ask Feishu to re-deliver later. */
  | 'full';

/** What the worker made of one attempt. */
export type AttemptOutcome =
  | { kind: 'done' }
  /** A transient failure: try again after the pause; the record survives restarts meanwhile. */
  | { kind: 'retry'; delayMs: number }
  /** Nothing more can be done (a permanent error, or retried for as long as allowed); logged by the worker. */
  | { kind: 'give_up' };

/** Answers one message; `attempt` counts from 1. Must not throw (a throw is treated as a retry). */
export type JobWorker = (job: IntakeJob, attempt: number) => Promise<AttemptOutcome>;

export interface DrainResult {
  /** Every job that was running when the drain started has finished. */
  finished: boolean;
  /** Jobs still running when the deadline came (they stay recorded and are answered after a restart). */
  remaining: number;
}

export interface IntakeQueueStats {
  /** Ready to run, waiting for a worker slot. */
  waiting: number;
  running: number;
  /** Waiting for their retry pause to end. */
  delayed: number;
  /** How long the oldest unanswered message has waited since it was accepted, ms (undefined when none). */
  oldestAgeMs?: number;
}

export interface IntakeQueue {
  /** Where records live, for logs, metrics and health. */
  readonly mode: 'local' | 'redis';
  /** The store can record now (Redis connected); readiness reports it. */
  readonly reachable: boolean;
  /** A setting of the store that puts accepted messages at risk (Redis that may evict); readiness reports it. */
  readonly problem?: string | undefined;
  /** Records the job durably; resolves once a crash can no longer lose it. Rejects when the store fails. */
  add(job: IntakeJob): Promise<AddResult>;
  /** Starts the workers (recorded jobs from before a restart included). */
  start(worker: JobWorker): void;
  /** Stops accepting, lets running jobs finish until the deadline, then releases files and connections. */
  close(deadlineMs: number): Promise<DrainResult>;
  stats(): Promise<IntakeQueueStats>;
}

// Cached lookups and card-callback replay marks: memory, or Redis shared by the replicas.

export interface StateStore {
  /** Sets key to value only if it is absent; true when this call set it (SET NX PX). */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Sets key unconditionally with a TTL. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  get(key: string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
  /** Deletes every key that starts with `prefix` (a tenant's cached data when it removes the app). */
  deleteByPrefix(prefix: string): Promise<void>;
  /** Releases connections/timers. */
  close(): Promise<void>;
}

/**
 * Store app: each tenant's app state, shared by the replicas. A tenant that stops or removes the app has its
 * cached data and tokens purged and gets no more calls; a message from it later means it is back.
 */
export interface TenantLifecycle {
  /** app_status_change stop_by_tenant / stop_by_platform, or app_uninstalled. */
  stop(tenantKey: string, change: 'stopped' | 'uninstalled'): Promise<void>;
  /** app_status_change start_by_tenant. */
  start(tenantKey: string): Promise<void>;
  /** A message from the tenant: if it had stopped the app, it started it again (a re-install may bring no event). */
  seen(tenantKey: string): Promise<void>;
  /** When the tenant stopped the app, unless it has started it since: records from before then are not answered. */
  stoppedAt(tenantKey: string): Promise<number | undefined>;
}

/**
 * The store app's app_ticket, kept durably (Redis, or a file in DATA_DIR) and shared by the replicas: Feishu
 * pushes it to one of them, every replica needs it for the app_access_token.
 */
export interface AppTicketStore {
  get(): Promise<string | undefined>;
  /** Resolves once the ticket is stored durably; rejects when it could not be (the push is then refused). */
  set(ticket: string): Promise<void>;
}

// Booking: the app's own calendar (calendar v4, tenant token) and the card's update in place (im v1 patch).

/** An event the app created, as calendar v4 returns it. */
export interface CalendarEventRef {
  calendar_id: string;
  event_id: string;
}

/** Attendee rsvp_status (日程参与人): for a room, needs_action = booking in progress, accept / decline the result. */
export type RsvpStatus = 'needs_action' | 'accept' | 'tentative' | 'decline' | 'removed';

export interface NewCalendarEvent {
  summary: string;
  description: string;
  start: number;
  end: number;
  /** 32–128 characters; the same key answers the event made the first time. */
  idempotencyKey: string;
}

export interface BookingCalendar {
  /** The app's primary calendar (calendar v4 calendars/primary), cached per tenant. */
  primaryCalendarId(tenantKey: string): Promise<string>;
  createEvent(calendarId: string, event: NewCalendarEvent): Promise<CalendarEventRef>;
  /**
   * The person (type user, open_id) and the room (type resource, operate_id = the person). 'needs_approval':
   * Feishu refused at once because the room must be approved, which an app cannot ask for.
   */
  addAttendees(
    event: CalendarEventRef,
    attendee: { openId: string; roomId: string },
  ): Promise<'added' | 'needs_approval'>;
  /** The room attendee's rsvp_status; undefined when the room is not (or no longer) an attendee. */
  roomStatus(event: CalendarEventRef, roomId: string): Promise<RsvpStatus | undefined>;
  /** Deletes the event; one already gone counts as deleted. */
  deleteEvent(event: CalendarEventRef): Promise<void>;
}

export interface CardPatcher {
  /** im.v1.message.patch: replaces the card of a message the app sent (the card keeps update_multi: true). */
  patchCard(messageId: string, card: Card): Promise<void>;
}

// The tenant's room directory, kept by the bot (docs/directory.md): synced in the background, shared by replicas
// through the state store, read by /room find, /room free, omm_ lookups and "did you mean".

/** One synced directory, indexed: what every request reads (no I/O). */
export interface DirectoryView {
  /** When the sync finished, epoch ms. */
  readonly syncedAt: number;
  /** Whether custom room IDs are known (false: the app lacks vc:room:readonly). */
  readonly customIds: boolean;
  /** Rooms in it. */
  readonly size: number;
  byRoomId(roomId: string): DirectoryRoom | undefined;
  byCustomId(customRoomId: string): DirectoryRoom | undefined;
  /** Rooms matching every (folded) word, best first, at most `limit`, and how many matched in all. */
  search(words: readonly string[], limit: number): SearchResult;
  /** Rooms to ask free/busy for: never disabled, fitting the filter, smallest capacity first, at most `max`. */
  freeCandidates(filter: FreeFilter, max: number): { rooms: DirectoryRoom[]; total: number };
  /** Up to `limit` rooms someone typing `word` as a custom ID may have meant. */
  suggest(word: string, limit: number): DirectoryRoom[];
}

export type DirectoryStatus =
  | { state: 'loading'; lastError?: string }
  | { state: 'ready'; syncedAt: number; rooms: number; customIds: boolean; lastError?: string };

/** The directory of one tenant (the tenant is chosen where the port is built; every key it writes includes it). */
export interface SyncedDirectory {
  status(): DirectoryStatus;
  /** The current view; before the first sync landed, waits for it at most `timeoutMs` (undefined then). */
  view(timeoutMs: number): Promise<DirectoryView | undefined>;
}

/** Reads the whole directory from Feishu (src/feishu/directory.ts): what a sync runs. */
export interface DirectoryReader {
  fetch(): Promise<{ rooms: DirectoryRoom[]; customIds: boolean }>;
}
