// meeting_room v1 (historic API) through the SDK client: batch_get_id and batch_get, and the helpers that
// freebusy.ts shares (one GET with retries; cached, coalesced, batched lookups).
// The SDK has no typed methods for these; client.request is the documented escape hatch.
// They take repeated query keys (custom_room_ids=a&custom_room_ids=b), hence repeatKeysSerializer.
import type * as lark from '@larksuiteoapi/node-sdk';
import type { LookupOptions, RoomDetails, RoomDirectory } from '../bot/ports.js';
import type { StateStore } from '../state/store.js';
import { callFeishu, type CallPolicy } from './call.js';
import { repeatKeysSerializer, withTenantToken } from './client.js';
import type { TenantTokenProvider } from './token.js';

export interface RoomDirectoryOptions extends MeetingRoomApi {
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

/** A cached negative answer: Feishu does not know this key. */
export const NOT_FOUND = '';
// The meeting_room docs list this header as required, GET included.
const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' };

/** What every meeting_room v1 call needs. */
export interface MeetingRoomApi {
  client: lark.Client;
  tokens: TenantTokenProvider;
  policy: CallPolicy;
}

/**
 * One GET on meeting_room v1 (`path` as in "room/batch_get"), with retries; `countAttempt` runs on every
 * HTTP attempt (the benchmark's counters).
 */
export function meetingRoomGet<B>(api: MeetingRoomApi, path: string, params: Record<string, string | readonly string[]>, countAttempt: () => void): Promise<B> {
  return callFeishu<B>(
    `meeting_room.${path.replace('/', '.')}`,
    api.policy,
    (token) => {
      countAttempt();
      return api.client.request<B>(
        {
          method: 'GET',
          url: `/open-apis/meeting_room/${path}`,
          headers: JSON_HEADERS,
          params,
          paramsSerializer: { serialize: repeatKeysSerializer },
        },
        withTenantToken(token),
      );
    },
    api.tokens,
  );
}

export function createFeishuRoomDirectory(options: RoomDirectoryOptions): RoomDirectory & { stats: RoomDirectoryStats } {
  const { batchSize } = options;
  const cache = options.cacheTtlMs > 0 ? options.cache : undefined;
  const stats: RoomDirectoryStats = { batchGetIdCalls: 0, batchGetCalls: 0 };

  async function batchGetId(customRoomIds: readonly string[]): Promise<Map<string, string>> {
    const body = await meetingRoomGet<BatchGetIdBody>(options, 'room/batch_get_id', { custom_room_ids: customRoomIds }, () => (stats.batchGetIdCalls += 1));
    const found = new Map<string, string>();
    for (const room of body.data?.rooms ?? []) {
      if (room.custom_room_id && room.room_id) found.set(room.custom_room_id, room.room_id);
    }
    return found;
  }

  async function batchGet(roomIds: readonly string[]): Promise<Map<string, RoomDetails>> {
    const body = await meetingRoomGet<BatchGetBody>(options, 'room/batch_get', { room_ids: roomIds, fields: '*' }, () => (stats.batchGetCalls += 1));
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

export interface CachedLookupSpec<V, C> {
  /** Names the kind of value in cache keys ("rid", "room", …). */
  namespace: string;
  /** The part of the cache key that depends on the call's context (e.g. the day asked about); default none. */
  scope?: (context: C) => string;
  fetch: (keys: readonly string[], context: C) => Promise<Map<string, V>>;
  encode: (value: V | undefined) => string;
  decode: (raw: string) => V | undefined;
  batchSize: number;
  cache: StateStore | undefined;
  ttlMs: number;
}

/**
 * key → value lookups that (1) answer from the cache when allowed, (2) join a call already in flight
 * for the same key (and scope) instead of asking again, (3) ask Feishu for the rest in ceil(n / batchSize)
 * calls. A call's context reaches `fetch` and `scope`; a call that joins another's gets that one's answer.
 */
export function cachedBatchLookup<V, C = void>(spec: CachedLookupSpec<V, C>) {
  const inflight = new Map<string, Promise<V | undefined>>();

  async function fromCache(keys: readonly string[], cacheKey: (key: string) => string, result: Map<string, V>): Promise<string[]> {
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

  function startBatch(keys: string[], cacheKey: (key: string) => string, context: C): void {
    const call = spec.fetch(keys, context);
    for (const key of keys) {
      const settled = call.then((answers) => answers.get(key));
      const fullKey = cacheKey(key);
      inflight.set(fullKey, settled);
      void settled
        .then((value) => spec.cache?.set(fullKey, spec.encode(value), spec.ttlMs))
        .catch(() => undefined) // the caller sees the failure; the cache just stays cold
        .finally(() => {
          if (inflight.get(fullKey) === settled) inflight.delete(fullKey);
        });
    }
  }

  return async (keys: readonly string[], options: LookupOptions | undefined, context: C): Promise<Map<string, V>> => {
    const prefix = `lookup:${spec.namespace}:${spec.scope ? `${spec.scope(context)}:` : ''}`;
    const cacheKey = (key: string) => prefix + key;
    const unique = [...new Set(keys)];
    const result = new Map<string, V>();
    const misses = options?.bypassCache ? unique : await fromCache(unique, cacheKey, result);
    const toFetch = misses.filter((key) => !inflight.has(cacheKey(key)));
    for (let i = 0; i < toFetch.length; i += spec.batchSize) startBatch(toFetch.slice(i, i + spec.batchSize), cacheKey, context);
    const values = await Promise.all(misses.map((key) => inflight.get(cacheKey(key))!));
    misses.forEach((key, i) => {
      const value = values[i];
      if (value !== undefined) result.set(key, value);
    });
    return result;
  };
}
