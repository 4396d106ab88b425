// The tenant's room directory, read through the SDK client (docs/directory.md):
//   meeting_room v1 (historic API, no typed SDK method: client.request as rooms.ts does)
//     GET building/list  page_size ≤ 100 (获取建筑物列表), page_token, has_more → data.buildings
//     GET room/list?building_id=…  page_size ≤ 1000 (获取会议室列表) → data.rooms (no custom_room_id)
//   vc v1 (typed: client.vc.v1.roomLevel.list / room.list; scope vc:room:readonly)
//     GET room_levels?room_level_id=…  page_size ≤ 100, nested (has_child) → data.items
//     GET rooms?room_level_id=…  page_size ≤ 100, the rooms "under one level" → data.rooms[].custom_room_id
// Every call paced (DIRECTORY_MAX_CALLS_PER_SECOND) and retried by callWithRetry, which honours 429s.
import type * as lark from '@larksuiteoapi/node-sdk';
import type { DirectoryRoom } from '../bot/directory/model.js';
import type { DirectoryReader } from '../bot/ports.js';
import { FeishuApiError } from '../errors.js';
import { callWithRetry, type CallPolicy, type TokenSource } from './call-with-retry.js';
import { withTenantToken } from './client.js';
import type { Pacer } from './pace.js';
import { meetingRoomGet } from './rooms.js';

export const BUILDING_PAGE_SIZE = 100;
export const ROOM_PAGE_SIZE = 1000;
export const VC_PAGE_SIZE = 100;
/** Pages of one list at most: a has_more that never ends must not loop for ever. */
const MAX_PAGES = 10_000;

export interface DirectoryFetch {
  rooms: DirectoryRoom[];
  /** False when vc/v1 refused the app (no vc:room:readonly): the rooms have no custom_room_id. */
  customIds: boolean;
}

export interface DirectorySource extends DirectoryReader {
  fetch(): Promise<DirectoryFetch>;
  /** HTTP attempts made, by list (the benchmark's and the tests' counters). */
  readonly stats: { buildingCalls: number; roomCalls: number; levelCalls: number; vcRoomCalls: number };
}

export interface DirectorySourceOptions {
  client: lark.Client;
  tokens: TokenSource;
  policy: CallPolicy;
  pacer: Pacer;
}

interface Page<T> {
  items: T[];
  pageToken?: string | undefined;
  hasMore: boolean;
}

/** Every item of a paged list; `page(token)` reads one page. */
async function readAll<T>(page: (pageToken: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages += 1) {
    const result = await page(token);
    all.push(...result.items);
    if (!result.hasMore || !result.pageToken) return all;
    token = result.pageToken;
  }
  throw new Error(`directory list did not end after ${MAX_PAGES} pages`);
}

interface BuildingListBody {
  code?: number;
  data?: { buildings?: { building_id?: string; name?: string }[]; page_token?: string; has_more?: boolean };
}

interface RoomListBody {
  code?: number;
  data?: {
    rooms?: {
      room_id?: string;
      name?: string;
      capacity?: number;
      building_id?: string;
      building_name?: string;
      floor_name?: string;
      description?: string;
      display_id?: string;
      is_disabled?: boolean;
    }[];
    page_token?: string;
    has_more?: boolean;
  };
}

export function createFeishuDirectorySource(options: DirectorySourceOptions): DirectorySource {
  const { client, tokens, policy, pacer } = options;
  const stats = { buildingCalls: 0, roomCalls: 0, levelCalls: 0, vcRoomCalls: 0 };
  const paced = async (count: () => void) => {
    await pacer.wait();
    count();
  };

  async function buildings(): Promise<{ building_id: string; name: string }[]> {
    const all = await readAll(async (pageToken) => {
      const body = await meetingRoomGet<BuildingListBody>(
        { client, tokens, policy },
        'building/list',
        { page_size: String(BUILDING_PAGE_SIZE), fields: '*', ...(pageToken ? { page_token: pageToken } : {}) },
        () => undefined,
        () => paced(() => (stats.buildingCalls += 1)),
      );
      return { items: body.data?.buildings ?? [], pageToken: body.data?.page_token, hasMore: !!body.data?.has_more };
    });
    return all.flatMap((b) => (b.building_id ? [{ building_id: b.building_id, name: b.name ?? '' }] : []));
  }

  async function roomsOf(building: { building_id: string; name: string }): Promise<DirectoryRoom[]> {
    const all = await readAll(async (pageToken) => {
      const body = await meetingRoomGet<RoomListBody>(
        { client, tokens, policy },
        'room/list',
        {
          building_id: building.building_id,
          page_size: String(ROOM_PAGE_SIZE),
          fields: '*',
          ...(pageToken ? { page_token: pageToken } : {}),
        },
        () => undefined,
        () => paced(() => (stats.roomCalls += 1)),
      );
      return { items: body.data?.rooms ?? [], pageToken: body.data?.page_token, hasMore: !!body.data?.has_more };
    });
    return all.flatMap((room) =>
      room.room_id
        ? [
            {
              room_id: room.room_id,
              name: room.name ?? '',
              capacity: typeof room.capacity === 'number' && Number.isFinite(room.capacity) ? room.capacity : 0,
              building_id: room.building_id ?? building.building_id,
              building_name: room.building_name ?? building.name,
              floor_name: room.floor_name ?? '',
              ...(room.description ? { description: room.description } : {}),
              ...(room.display_id ? { display_id: room.display_id } : {}),
              is_disabled: room.is_disabled === true,
            },
          ]
        : [],
    );
  }

  /** The query of one page of a vc/v1 list under `levelId` ('' = the tenant). */
  const vcParams = (levelId: string, pageToken: string | undefined) => ({
    params: {
      page_size: VC_PAGE_SIZE,
      ...(levelId ? { room_level_id: levelId } : {}),
      ...(pageToken ? { page_token: pageToken } : {}),
    },
  });

  /** One vc/v1 call, paced and retried, with the tenant token. */
  const vcCall = <T>(
    api: string,
    count: () => void,
    call: (options: ReturnType<typeof withTenantToken>) => Promise<T>,
  ) =>
    callWithRetry(
      api,
      policy,
      async (token) => {
        await paced(count);
        return call(withTenantToken(token));
      },
      tokens,
    );

  /** Every level under `levelId` ('' = the tenant), depth first. */
  async function levelsUnder(levelId: string, seen: Set<string>): Promise<void> {
    const children = await readAll(async (pageToken) => {
      const body = await vcCall(
        'vc.room_level.list',
        () => (stats.levelCalls += 1),
        (options) => client.vc.v1.roomLevel.list(vcParams(levelId, pageToken), options),
      );
      return { items: body.data?.items ?? [], pageToken: body.data?.page_token, hasMore: !!body.data?.has_more };
    });
    for (const level of children) {
      const id = level.room_level_id;
      if (!id || seen.has(id)) continue;
      seen.add(id);
      if (level.has_child) await levelsUnder(id, seen);
    }
  }

  /** room_id → custom_room_id over the tenant and every level (de-duplicated by room_id). */
  async function customIds(): Promise<Map<string, string>> {
    const levels = new Set<string>();
    await levelsUnder('', levels);
    const found = new Map<string, string>();
    for (const levelId of ['', ...levels]) {
      const rooms = await readAll(async (pageToken) => {
        const body = await vcCall(
          'vc.room.list',
          () => (stats.vcRoomCalls += 1),
          (options) => client.vc.v1.room.list(vcParams(levelId, pageToken), options),
        );
        return { items: body.data?.rooms ?? [], pageToken: body.data?.page_token, hasMore: !!body.data?.has_more };
      });
      for (const room of rooms) if (room.room_id && room.custom_room_id) found.set(room.room_id, room.custom_room_id);
    }
    return found;
  }

  return {
    stats,
    async fetch() {
      const rooms: DirectoryRoom[] = [];
      for (const building of await buildings()) rooms.push(...(await roomsOf(building)));
      let ids: Map<string, string> | undefined;
      try {
        ids = await customIds();
      } catch (error) {
        // No vc:room:readonly: the directory works without custom IDs (the sync says so once).
        if (!(error instanceof FeishuApiError && error.kind === 'permission')) throw error;
      }
      if (ids) {
        for (const room of rooms) {
          const customId = ids.get(room.room_id);
          if (customId !== undefined) room.custom_room_id = customId;
        }
      }
      const unique = new Map(rooms.map((room) => [room.room_id, room]));
      return { rooms: [...unique.values()], customIds: ids !== undefined };
    },
  };
}
