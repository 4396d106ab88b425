// meeting_room v1 (historic API) through the SDK client: batch_get_id and batch_get.
// The SDK has no typed methods for these; client.request is the documented escape hatch.
// Both take repeated query keys (custom_room_ids=a&custom_room_ids=b), hence repeatKeysSerializer.
import type * as lark from '@larksuiteoapi/node-sdk';
import type { LookupOptions, RoomDetails, RoomDirectory } from '../bot/ports.js';
import type { StateStore } from '../state/store.js';
import { callFeishu, type CallPolicy } from './call.js';
import { repeatKeysSerializer, withTenantToken } from './client.js';
import type { TenantTokenProvider } from './token.js';

export interface RoomDirectoryOptions {
  client: lark.Client;
  tokens: TenantTokenProvider;
  policy: CallPolicy;
  /** IDs per call (documented in app.config.json: lookup.batchSize). */
  batchSize: number;
  /** Lookup cache; absent or ttl 0 = no cache. */
  cache?: StateStore;
  cacheTtlMs: number;
}

interface BatchGetIdBody {
  code?: number;
  data?: { rooms?: { room_id?: string; custom_room_id?: string }[] };
}

interface BatchGetBody {
  code?: number;
  data?: { rooms?: RoomDetails[] };
}

/** HTTP calls made (each attempt counts), for the benchmark's API-economy table. */
export interface RoomDirectoryStats {
  batchGetIdCalls: number;
  batchGetCalls: number;
}

const NOT_FOUND = ''; // cached negative answer: Feishu does not know this custom ID
// The meeting_room docs list this header as required, GET included.
const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' };

export function createFeishuRoomDirectory(options: RoomDirectoryOptions): RoomDirectory & { stats: RoomDirectoryStats } {
  const { client, tokens, policy, batchSize } = options;
  const cache = options.cacheTtlMs > 0 ? options.cache : undefined;
  const stats: RoomDirectoryStats = { batchGetIdCalls: 0, batchGetCalls: 0 };

  /** One GET on meeting_room v1, with retries; `stat` names the counter of HTTP attempts. */
  function meetingRoomGet<B>(
    resource: 'batch_get_id' | 'batch_get',
    params: Record<string, string | readonly string[]>,
    stat: keyof RoomDirectoryStats,
  ): Promise<B> {
    return callFeishu<B>(
      `meeting_room.room.${resource}`,
      policy,
      (token) => {
        stats[stat] += 1;
        return client.request<B>(
          {
            method: 'GET',
            url: `/open-apis/meeting_room/room/${resource}`,
            headers: JSON_HEADERS,
            params,
            paramsSerializer: { serialize: repeatKeysSerializer },
          },
          withTenantToken(token),
        );
      },
      tokens,
    );
  }

  async function batchGetId(customRoomIds: readonly string[]): Promise<Map<string, string>> {
    const body = await meetingRoomGet<BatchGetIdBody>('batch_get_id', { custom_room_ids: customRoomIds }, 'batchGetIdCalls');
    const found = new Map<string, string>();
    for (const room of body.data?.rooms ?? []) {
      if (room.custom_room_id && room.room_id) found.set(room.custom_room_id, room.room_id);
    }
    return found;
  }

  async function batchGet(roomIds: readonly string[]): Promise<Map<string, RoomDetails>> {
    const body = await meetingRoomGet<BatchGetBody>('batch_get', { room_ids: roomIds, fields: '*' }, 'batchGetCalls');
    const details = new Map<string, RoomDetails>();
    for (const room of body.data?.rooms ?? []) if (room.room_id) details.set(room.room_id, room);
    return details;
  }

  const findRoomIds = cachedBatchLookup<string>({
    namespace: 'rid',
    fetch: batchGetId,
    encode: (roomId) => roomId ?? NOT_FOUND,
    decode: (raw) => (raw === NOT_FOUND ? undefined : raw),
    batchSize,
    cache,
    ttlMs: options.cacheTtlMs,
  });
  const getRoomDetails = cachedBatchLookup<RoomDetails>({
    namespace: 'room',
    fetch: batchGet,
    encode: (details) => (details ? JSON.stringify(details) : NOT_FOUND),
    decode: (raw) => (raw === NOT_FOUND ? undefined : (JSON.parse(raw) as RoomDetails)),
    batchSize,
    cache,
    ttlMs: options.cacheTtlMs,
  });

  return { stats, findRoomIds, getRoomDetails };
}

interface CachedLookupSpec<V> {
  namespace: string;
  fetch: (keys: readonly string[]) => Promise<Map<string, V>>;
  encode: (value: V | undefined) => string;
  decode: (raw: string) => V | undefined;
  batchSize: number;
  cache: StateStore | undefined;
  ttlMs: number;
}

/**
 * key → value lookups that (1) answer from the cache when allowed, (2) join a call already in flight
 * for the same key instead of asking again, (3) ask Feishu for the rest in ceil(n / batchSize) calls.
 */
function cachedBatchLookup<V>(spec: CachedLookupSpec<V>) {
  const inflight = new Map<string, Promise<V | undefined>>();
  const cacheKey = (key: string) => `lookup:${spec.namespace}:${key}`;

  async function fromCache(keys: readonly string[], result: Map<string, V>): Promise<string[]> {
    if (!spec.cache) return [...keys];
    const misses: string[] = [];
    const raws = await Promise.all(keys.map((key) => spec.cache!.get(cacheKey(key)).catch(() => undefined)));
    keys.forEach((key, i) => {
      const raw = raws[i];
      if (raw === undefined) return void misses.push(key);
      const value = spec.decode(raw);
      if (value !== undefined) result.set(key, value);
    });
    return misses;
  }

  function startBatch(keys: string[]): void {
    const call = spec.fetch(keys);
    for (const key of keys) {
      const settled = call.then((answers) => answers.get(key));
      inflight.set(key, settled);
      void settled
        .then((value) => spec.cache?.set(cacheKey(key), spec.encode(value), spec.ttlMs))
        .catch(() => undefined) // the caller sees the failure; the cache just stays cold
        .finally(() => {
          if (inflight.get(key) === settled) inflight.delete(key);
        });
    }
  }

  return async (keys: readonly string[], options: LookupOptions = {}): Promise<Map<string, V>> => {
    const unique = [...new Set(keys)];
    const result = new Map<string, V>();
    const misses = options.bypassCache ? unique : await fromCache(unique, result);
    const toFetch = misses.filter((key) => !inflight.has(key));
    for (let i = 0; i < toFetch.length; i += spec.batchSize) startBatch(toFetch.slice(i, i + spec.batchSize));
    const values = await Promise.all(misses.map((key) => inflight.get(key)!));
    misses.forEach((key, i) => {
      const value = values[i];
      if (value !== undefined) result.set(key, value);
    });
    return result;
  };
}
