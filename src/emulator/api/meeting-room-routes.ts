// meeting_room v1 (historic API): GET batch_get_id (查询会议室ID) and GET batch_get (查询会议室详情).
// Both take an array as repeated query keys; the bracketed form (key[]=…) is not that key, so it counts
// as missing and fails field validation (99992402), as on Feishu.
import type Router from 'koa-router';
import type { FaultInjector } from '../faults.js';
import type { EmulatedRoom, RoomCatalog } from '../rooms.js';
import type { TokenIssuer } from '../tokens.js';
import { sendFieldViolation } from './errors.js';
import { openApi, requireTenantToken } from './middleware.js';
import { parseRawQuery, valuesOf } from './query.js';
import type { ApiContext, EmulatorState } from './state.js';

/** Most IDs one call accepts. */
export const MAX_IDS_PER_CALL = 100;

/** Fields batch_get can return besides room_id (the doc also calls room_id "id"). */
const DETAIL_FIELDS = ['building_id', 'building_name', 'capacity', 'description', 'display_id', 'floor_name', 'is_disabled', 'name'] as const; // the doc example's order
type DetailField = (typeof DETAIL_FIELDS)[number];

/** The IDs of a repeated query key, or undefined after answering 99992402. */
function repeatedIds(ctx: ApiContext, key: string): string[] | undefined {
  const ids = valuesOf(parseRawQuery(ctx.querystring), key).filter((id) => id !== '');
  if (ids.length === 0) {
    sendFieldViolation(ctx, key, `${key} is required`);
    return undefined;
  }
  if (ids.length > MAX_IDS_PER_CALL) {
    sendFieldViolation(ctx, key, `the max length of ${key} is ${MAX_IDS_PER_CALL}`);
    return undefined;
  }
  return [...new Set(ids)];
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

export function registerMeetingRoomRoutes(router: Router<EmulatorState>, rooms: RoomCatalog, tokens: TokenIssuer, faults: FaultInjector): void {
  router.get('/open-apis/meeting_room/room/batch_get_id', openApi('batch_get_id', faults), requireTenantToken(tokens), (ctx) => {
    const ids = repeatedIds(ctx, 'custom_room_ids');
    if (!ids) return;
    const found = ids.flatMap((id) => {
      const room = rooms.byCustomRoomId(id);
      return room ? [{ room_id: room.room_id, custom_room_id: room.custom_room_id }] : [];
    });
    ctx.body = { code: 0, msg: 'success', data: { rooms: found } };
  });

  router.get('/open-apis/meeting_room/room/batch_get', openApi('batch_get', faults), requireTenantToken(tokens), (ctx) => {
    const ids = repeatedIds(ctx, 'room_ids');
    if (!ids) return;
    const fields = selectedFields(ctx);
    const found = ids.flatMap((id) => {
      const room = rooms.byId(id);
      return room ? [details(room, fields)] : [];
    });
    ctx.body = { code: 0, msg: 'success', data: { rooms: found } };
  });
}
