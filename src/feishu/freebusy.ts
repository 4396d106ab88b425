// meeting_room v1 freebusy/batch_get (查询会议室忙闲, open.feishu.cn/document/ukTMukTMukTM/uIDOyUjLygjM14iM4ITN)
// through the SDK client, batched, cached briefly and coalesced like the room lookups in rooms.ts.
//   GET /open-apis/meeting_room/freebusy/batch_get?room_ids=omm_a&room_ids=omm_b&time_min=…&time_max=…
//   room_ids: repeated keys, at most 20 per call; time_min / time_max: RFC 3339 (URL-encoded), scope
//   calendar:room:readonly.
//   data: { time_min, time_max (echoed), free_busy: { <room_id>: [{ start_time, end_time, uid, original_time,
//   organizer_info: { name, open_id } }] }, error_room_ids? }. A room without bookings in the span is
//   absent from free_busy (the doc's example answers "free_busy": {}); organizer_info is left out for
//   private bookings (私密日程不返回该信息). Errors: 会议室错误码 (100003 time not RFC 3339, 105001 internal).
import type { FreeBusyInstance, RoomCalendar, TimeWindow, StateStore } from '../bot/ports.js';
import { cachedBatchLookup, meetingRoomGet, NOT_FOUND, type MeetingRoomApi } from './rooms.js';
import { isJsonObject } from '../json.js';

/** Most room_ids one call takes (查询会议室忙闲: "room_ids个数不要超过20"). */
export const FREEBUSY_MAX_ROOMS = 20;

export interface RoomCalendarOptions extends MeetingRoomApi {
  /** Free/busy cache, apart from the lookup cache by its keys and lifetime; absent or ttl 0 = no cache. */
  cache?: StateStore;
  cacheTtlMs: number;
}

/** HTTP calls made (each attempt counts), for the benchmark's API-economy table. */
export interface RoomCalendarStats {
  freeBusyCalls: number;
}

interface FreeBusyBody {
  code?: number;
  data?: { free_busy?: Record<string, unknown>; error_room_ids?: unknown };
}

/** epoch ms → RFC 3339 in UTC, whole seconds (e.g. 2019-09-04T00:45:00Z). */
export function toRfc3339(instant: number): string {
  return new Date(Math.floor(instant / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The instances of one room as Feishu sent them, keeping what the card uses; malformed entries dropped. */
function instancesOf(value: unknown): FreeBusyInstance[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown) => {
    if (!isJsonObject(item)) return [];
    const { start_time, end_time, organizer_info } = item;
    if (typeof start_time !== 'string' || typeof end_time !== 'string') return [];
    const name = (organizer_info as { name?: unknown } | undefined)?.name;
    return [{ start_time, end_time, ...(typeof name === 'string' && name !== '' ? { organizer_info: { name } } : {}) }];
  });
}

export function createFeishuRoomCalendar(options: RoomCalendarOptions): RoomCalendar & { stats: RoomCalendarStats } {
  const stats: RoomCalendarStats = { freeBusyCalls: 0 };

  async function batchGetFreeBusy(
    roomIds: readonly string[],
    window: TimeWindow,
  ): Promise<Map<string, FreeBusyInstance[]>> {
    const params = { room_ids: roomIds, time_min: toRfc3339(window.from), time_max: toRfc3339(window.to) };
    const body = await meetingRoomGet<FreeBusyBody>(
      options,
      'freebusy/batch_get',
      params,
      () => (stats.freeBusyCalls += 1),
    );
    const freeBusy = body.data?.free_busy ?? {};
    const unanswered = new Set(Array.isArray(body.data?.error_room_ids) ? body.data.error_room_ids : []);
    const answers = new Map<string, FreeBusyInstance[]>();
    for (const roomId of roomIds) if (!unanswered.has(roomId)) answers.set(roomId, instancesOf(freeBusy[roomId]));
    return answers;
  }

  const getFreeBusy = cachedBatchLookup<FreeBusyInstance[], TimeWindow>({
    namespace: 'busy',
    // A cached answer serves the rest of the day it was asked about (its end identifies the day), never the next.
    scope: (window) => String(window.to),
    fetch: batchGetFreeBusy,
    encode: (instances) => (instances ? JSON.stringify(instances) : NOT_FOUND),
    decode: (raw) => (raw === NOT_FOUND ? undefined : (JSON.parse(raw) as FreeBusyInstance[])),
    batchSize: FREEBUSY_MAX_ROOMS,
    cache: options.cacheTtlMs > 0 ? options.cache : undefined,
    ttlMs: options.cacheTtlMs,
  });

  return { stats, getFreeBusy: (roomIds, window, lookupOptions) => getFreeBusy(roomIds, lookupOptions, window) };
}
