// The directory lists a bot syncs: meeting_room v1 building/list (获取建筑物列表, page_size ≤ 100, default 10)
// and room/list (获取会议室列表, building_id required, page_size ≤ 1000, default 100), and vc v1 room_levels
// (查询会议室层级列表) and rooms (查询会议室列表), page_size ≤ 100 (default 20), scope vc:room:readonly.
// Levels: the tenant → one level per building (its building_id) → one per floor; a room lives on its floor's
// level, and vc/v1/rooms lists the rooms directly under the level asked for (the whole tenant without one).
// page_token: opaque, issued by the emulator; one it never issued for that list is refused (100001 "page token
// invalid" for meeting_room, 121003 "param error" for vc), as Feishu refuses a made-up token.
import { createHash, randomBytes } from 'node:crypto';
import type Router from 'koa-router';
import type { FaultInjector } from '../faults.js';
import type { EmulatedRoom, RoomCatalog } from '../rooms.js';
import type { TokenAuthority } from '../tokens.js';
import { FeishuCode, sendFeishuError, sendFieldViolation } from './errors.js';
import { openApi, requireTenantToken } from './middleware.js';
import { parseRawQuery, valuesOf } from './query.js';
import type { ApiContext, EmulatorState } from './state.js';

export const PAGE_LIMITS = {
  building_list: { max: 100, default: 10 },
  room_list: { max: 1000, default: 100 },
  vc: { max: 100, default: 20 },
} as const;

/** What the app was granted; tests change it while the emulator runs. */
export interface DirectoryGrants {
  /** vc:room:readonly: without it room_levels and vc rooms answer 99991672. */
  vcRoomRead: boolean;
}

const MAX_TOKENS = 100_000;

/** page_tokens issued, each for one list (so a token of another list is refused too). */
class PageTokens {
  private readonly tokens = new Map<string, { list: string; offset: number }>();

  issue(list: string, offset: number): string {
    const token = randomBytes(12).toString('base64url');
    this.tokens.set(token, { list, offset });
    if (this.tokens.size > MAX_TOKENS) this.tokens.delete(this.tokens.keys().next().value!);
    return token;
  }

  offsetOf(token: string, list: string): number | undefined {
    const entry = this.tokens.get(token);
    return entry?.list === list ? entry.offset : undefined;
  }
}

function hex(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

const floorLevels = new WeakMap<EmulatedRoom, string>();

/** The floor level of a room: omb_ + a hash of building and floor (remembered: large directories ask often). */
export function floorLevelId(room: EmulatedRoom): string {
  let id = floorLevels.get(room);
  if (id === undefined) floorLevels.set(room, (id = `omb_${hex(`${room.building_id}/${room.floor_name}`)}`));
  return id;
}

interface Level {
  room_level_id: string;
  name: string;
  parent_id: string;
  path: string[];
  has_child: boolean;
  custom_group_id: string;
}

const TENANT_LEVEL = 'omb_00000000000000000000000000000000';

function levelsUnder(rooms: readonly EmulatedRoom[], parent: string): Level[] {
  const levels = new Map<string, Level>();
  for (const room of rooms) {
    if (parent === '' || parent === TENANT_LEVEL) {
      levels.set(room.building_id, {
        room_level_id: room.building_id,
        name: room.building_name,
        parent_id: TENANT_LEVEL,
        path: [TENANT_LEVEL],
        has_child: true,
        custom_group_id: '',
      });
    } else if (room.building_id === parent) {
      const id = floorLevelId(room);
      levels.set(id, {
        room_level_id: id,
        name: room.floor_name,
        parent_id: parent,
        path: [TENANT_LEVEL, parent],
        has_child: false,
        custom_group_id: '',
      });
    }
  }
  return [...levels.values()];
}

type Paged = { items: unknown[]; page_token?: string; has_more: boolean } | undefined;

/** One page of `all` for the request's page_size / page_token, or undefined after answering the error. */
function page(
  ctx: ApiContext,
  all: readonly unknown[],
  list: string,
  limits: { max: number; default: number },
  tokens: PageTokens,
  badToken: () => void,
): Paged {
  const pairs = parseRawQuery(ctx.querystring);
  const sizeText = valuesOf(pairs, 'page_size')[0];
  const size = sizeText === undefined || sizeText === '' ? limits.default : Number(sizeText);
  if (!Number.isInteger(size) || size < 1 || size > limits.max) {
    sendFieldViolation(ctx, 'page_size', `page_size must be between 1 and ${limits.max}`);
    return undefined;
  }
  const token = valuesOf(pairs, 'page_token')[0];
  let offset = 0;
  if (token !== undefined && token !== '') {
    const known = tokens.offsetOf(token, list);
    if (known === undefined) return void badToken();
    offset = known;
  }
  const items = all.slice(offset, offset + size);
  const next = offset + size;
  return next < all.length
    ? { items, page_token: tokens.issue(list, next), has_more: true }
    : { items, has_more: false };
}

function ok(ctx: ApiContext, data: Record<string, unknown>): void {
  ctx.body = { code: 0, msg: 'success', data };
}

function roomOf(room: EmulatedRoom): Record<string, unknown> {
  return {
    room_id: room.room_id,
    building_id: room.building_id,
    building_name: room.building_name,
    capacity: room.capacity,
    description: room.description,
    display_id: room.display_id,
    floor_name: room.floor_name,
    is_disabled: room.is_disabled,
    name: room.name,
  };
}

export function registerDirectoryRoutes(
  router: Router<EmulatorState>,
  /** The room directory of the tenant whose token authorised the request. */
  roomsOf: (tenantKey: string) => RoomCatalog,
  tokens: TokenAuthority,
  faults: FaultInjector,
  grants: DirectoryGrants,
  appId: string,
): void {
  const pageTokens = new PageTokens();
  const meetingRoomBadToken = (ctx: ApiContext) => () =>
    sendFeishuError(ctx, 400, FeishuCode.MEETING_ROOM_PAGE_TOKEN, 'page token invalid');
  const vcBadToken = (ctx: ApiContext) => () => sendFeishuError(ctx, 400, FeishuCode.VC_PARAM_ERROR, 'param error');
  const vcScope = (ctx: ApiContext): boolean => {
    if (grants.vcRoomRead) return true;
    sendFeishuError(
      ctx,
      400,
      FeishuCode.NO_SCOPE,
      `Access denied. One of the following scopes is required: [vc:room, vc:room:readonly].应用尚未开通所需的应用身份权限：[vc:room, vc:room:readonly]，点击链接申请并开通任一权限即可：https://open.feishu.cn/app/${appId}/auth?q=vc:room,vc:room:readonly&op_from=openapi&token_type=tenant`,
    );
    return false;
  };

  router.get(
    '/open-apis/meeting_room/building/list',
    openApi('building_list', faults),
    requireTenantToken(tokens),
    (ctx) => {
      const buildings = new Map<string, Record<string, unknown>>();
      for (const room of roomsOf(ctx.state.tenantKey ?? '').list()) {
        const building = buildings.get(room.building_id) ?? {
          building_id: room.building_id,
          name: room.building_name,
          description: '',
          floors: [] as string[],
          country_id: '1814991',
          district_id: '1',
        };
        const floors = building.floors as string[];
        if (!floors.includes(room.floor_name)) floors.push(room.floor_name);
        buildings.set(room.building_id, building);
      }
      const result = page(
        ctx,
        [...buildings.values()],
        'building_list',
        PAGE_LIMITS.building_list,
        pageTokens,
        meetingRoomBadToken(ctx),
      );
      if (result) ok(ctx, { buildings: result.items, page_token: result.page_token ?? '', has_more: result.has_more });
    },
  );

  router.get('/open-apis/meeting_room/room/list', openApi('room_list', faults), requireTenantToken(tokens), (ctx) => {
    const buildingId = valuesOf(parseRawQuery(ctx.querystring), 'building_id')[0] ?? '';
    if (buildingId === '') return sendFieldViolation(ctx, 'building_id', 'building_id is required');
    const inBuilding = roomsOf(ctx.state.tenantKey ?? '')
      .list()
      .filter((room) => room.building_id === buildingId);
    if (inBuilding.length === 0)
      return sendFeishuError(ctx, 400, FeishuCode.MEETING_ROOM_BUILDING_ID, 'building id invalid');
    const result = page(
      ctx,
      inBuilding.map(roomOf),
      `room_list:${buildingId}`,
      PAGE_LIMITS.room_list,
      pageTokens,
      meetingRoomBadToken(ctx),
    );
    if (result) ok(ctx, { rooms: result.items, page_token: result.page_token ?? '', has_more: result.has_more });
  });

  router.get('/open-apis/vc/v1/room_levels', openApi('room_levels', faults), requireTenantToken(tokens), (ctx) => {
    if (!vcScope(ctx)) return;
    const parent = valuesOf(parseRawQuery(ctx.querystring), 'room_level_id')[0] ?? '';
    const result = page(
      ctx,
      levelsUnder(roomsOf(ctx.state.tenantKey ?? '').list(), parent),
      `room_levels:${parent}`,
      PAGE_LIMITS.vc,
      pageTokens,
      vcBadToken(ctx),
    );
    if (result)
      ok(ctx, {
        items: result.items,
        has_more: result.has_more,
        ...(result.page_token ? { page_token: result.page_token } : {}),
      });
  });

  router.get('/open-apis/vc/v1/rooms', openApi('vc_rooms', faults), requireTenantToken(tokens), (ctx) => {
    if (!vcScope(ctx)) return;
    const level = valuesOf(parseRawQuery(ctx.querystring), 'room_level_id')[0] ?? '';
    const under =
      level === ''
        ? roomsOf(ctx.state.tenantKey ?? '').list()
        : roomsOf(ctx.state.tenantKey ?? '')
            .list()
            .filter((room) => floorLevelId(room) === level);
    const items = under.map((room) => ({
      room_id: room.room_id,
      name: room.name,
      capacity: room.capacity,
      description: room.description,
      display_id: room.display_id,
      custom_room_id: room.custom_room_id,
      room_level_id: floorLevelId(room),
      path: [TENANT_LEVEL, room.building_id, floorLevelId(room)],
      room_status: { status: !room.is_disabled },
    }));
    const result = page(ctx, items, `vc_rooms:${level}`, PAGE_LIMITS.vc, pageTokens, vcBadToken(ctx));
    if (result)
      ok(ctx, {
        rooms: result.items,
        has_more: result.has_more,
        ...(result.page_token ? { page_token: result.page_token } : {}),
      });
  });
}
