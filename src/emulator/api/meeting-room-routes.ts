// meeting_room v1 (historic API): GET batch_get_id (查询会议室ID), GET batch_get (查询会议室详情) and
// GET freebusy/batch_get (查询会议室忙闲). They take an array as repeated query keys; the bracketed form
// (key[]=…) is not that key, so it counts as missing and fails field validation (99992402), as on Feishu.
import type Router from 'koa-router';
import type { FaultInjector } from '../faults.js';
import { placeBookings, type EmulatedRoom, type PlacedBooking, type RoomCatalog } from '../rooms.js';
import type { TokenAuthority } from '../tokens.js';
import { FeishuCode, FeishuMsg, sendFeishuError, sendFieldViolation } from './errors.js';
import { openApi, requireTenantToken } from './middleware.js';
import { parseRawQuery, valuesOf } from './query.js';
import { formatRfc3339, parseRfc3339 } from './rfc3339.js';
import type { ApiContext, EmulatorState } from './state.js';

/** Most IDs one batch_get_id / batch_get call accepts. */
export const MAX_IDS_PER_CALL = 100;
/** Most room_ids one freebusy/batch_get call accepts (查询会议室忙闲: "room_ids个数不要超过20"). */
export const MAX_FREEBUSY_ROOMS = 20;
/** Offset of the times in free/busy answers: UTC+8, as in the doc's example (2021-04-27T00:00:00+08:00). */
const ANSWER_OFFSET_MINUTES = 8 * 60;

/** Fields batch_get can return besides room_id (the doc also calls room_id "id"). */
const DETAIL_FIELDS = [
  'building_id',
  'building_name',
  'capacity',
  'description',
  'display_id',
  'floor_name',
  'is_disabled',
  'name',
] as const; // the doc example's order
type DetailField = (typeof DETAIL_FIELDS)[number];

/** The IDs of a repeated query key, or undefined after answering 99992402. */
function repeatedIds(ctx: ApiContext, key: string, max = MAX_IDS_PER_CALL): string[] | undefined {
  const ids = valuesOf(parseRawQuery(ctx.querystring), key).filter((id) => id !== '');
  if (ids.length === 0) {
    sendFieldViolation(ctx, key, `${key} is required`);
    return undefined;
  }
  if (ids.length > max) {
    sendFieldViolation(ctx, key, `the max length of ${key} is ${max}`);
    return undefined;
  }
  return [...new Set(ids)];
}

interface QuerySpan {
  /** As sent: the answer echoes them (与请求参数完全相同). */
  timeMin: string;
  timeMax: string;
  from: number;
  to: number;
}

/** time_min and time_max: required, RFC 3339 (else 100003), time_max not before time_min; or undefined after answering. */
function querySpan(ctx: ApiContext): QuerySpan | undefined {
  const pairs = parseRawQuery(ctx.querystring);
  const [timeMin, timeMax] = [valuesOf(pairs, 'time_min')[0] ?? '', valuesOf(pairs, 'time_max')[0] ?? ''];
  for (const [key, value] of [
    ['time_min', timeMin],
    ['time_max', timeMax],
  ] as const) {
    if (value === '') return void sendFieldViolation(ctx, key, `${key} is required`);
  }
  const [from, to] = [parseRfc3339(timeMin), parseRfc3339(timeMax)];
  if (from === undefined || to === undefined)
    return void sendFeishuError(ctx, 400, FeishuCode.MEETING_ROOM_TIME_FORMAT, FeishuMsg.MEETING_ROOM_TIME_FORMAT);
  if (to < from) return void sendFieldViolation(ctx, 'time_max', 'time_max must not be earlier than time_min');
  return { timeMin, timeMax, from, to };
}

/** One instance of a freebusy/batch_get answer, as the doc's example shows it. */
function freeBusyInstance(booking: PlacedBooking): Record<string, unknown> {
  return {
    start_time: formatRfc3339(booking.start, ANSWER_OFFSET_MINUTES),
    end_time: formatRfc3339(booking.end, ANSWER_OFFSET_MINUTES),
    uid: booking.uid,
    original_time: 0,
    ...(booking.organizer ? { organizer_info: booking.organizer } : {}),
  };
}

/** `fields`: comma list or "*"; absent means all. Unknown names are ignored. */
function selectedFields(ctx: ApiContext): ReadonlySet<DetailField> {
  const raw = valuesOf(parseRawQuery(ctx.querystring), 'fields')[0];
  if (raw === undefined || raw.trim() === '' || raw.trim() === '*') return new Set(DETAIL_FIELDS);
  const asked = new Set(raw.split(',').map((f) => f.trim()));
  return new Set(DETAIL_FIELDS.filter((field) => asked.has(field)));
}

function details(room: EmulatedRoom, fields: ReadonlySet<DetailField>): Record<string, unknown> {
  const result: Record<string, unknown> = { room_id: room.room_id };
  for (const field of DETAIL_FIELDS) if (fields.has(field)) result[field] = room[field];
  return result;
}

export function registerMeetingRoomRoutes(
  router: Router<EmulatorState>,
  /** The room directory of the tenant whose token authorised the request. */
  roomsOf: (tenantKey: string) => RoomCatalog,
  tokens: TokenAuthority,
  faults: FaultInjector,
  now: () => number,
  /** Bookings made through calendar v4 (accepted room attendees), besides the seed's. */
  booked: (roomId: string, tenantKey: string) => PlacedBooking[] = () => [],
): void {
  const tenantRooms = (ctx: ApiContext) => roomsOf(ctx.state.tenantKey ?? '');
  router.get(
    '/open-apis/meeting_room/room/batch_get_id',
    openApi('batch_get_id', faults),
    requireTenantToken(tokens),
    (ctx) => {
      const ids = repeatedIds(ctx, 'custom_room_ids');
      if (!ids) return;
      const found = ids.flatMap((id) => {
        const room = tenantRooms(ctx).byCustomRoomId(id);
        return room ? [{ room_id: room.room_id, custom_room_id: room.custom_room_id }] : [];
      });
      ctx.body = { code: 0, msg: 'success', data: { rooms: found } };
    },
  );

  router.get(
    '/open-apis/meeting_room/room/batch_get',
    openApi('batch_get', faults),
    requireTenantToken(tokens),
    (ctx) => {
      const ids = repeatedIds(ctx, 'room_ids');
      if (!ids) return;
      const fields = selectedFields(ctx);
      const found = ids.flatMap((id) => {
        const room = tenantRooms(ctx).byId(id);
        return room ? [details(room, fields)] : [];
      });
      ctx.body = { code: 0, msg: 'success', data: { rooms: found } };
    },
  );

  // Bookings overlapping [time_min, time_max]; a room without any is left out of free_busy, an unknown room
  // is listed in error_room_ids (both as in the doc's examples).
  router.get(
    '/open-apis/meeting_room/freebusy/batch_get',
    openApi('freebusy', faults),
    requireTenantToken(tokens),
    (ctx) => {
      const ids = repeatedIds(ctx, 'room_ids', MAX_FREEBUSY_ROOMS);
      if (!ids) return;
      const span = querySpan(ctx);
      if (!span) return;
      const freeBusy: Record<string, Record<string, unknown>[]> = {};
      const errorRoomIds: string[] = [];
      for (const id of ids) {
        const room = tenantRooms(ctx).byId(id);
        if (!room) {
          errorRoomIds.push(id);
          continue;
        }
        const overlapping = [...placeBookings(room, now()), ...booked(id, ctx.state.tenantKey ?? '')].filter(
          (booking) => booking.start < span.to && booking.end > span.from,
        );
        if (overlapping.length > 0) freeBusy[id] = overlapping.sort((a, b) => a.start - b.start).map(freeBusyInstance);
      }
      ctx.body = {
        code: 0,
        msg: 'success',
        data: { time_min: span.timeMin, time_max: span.timeMax, free_busy: freeBusy, error_room_ids: errorRoomIds },
      };
    },
  );
}
