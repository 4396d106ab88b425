// meeting_room v1 (historic API) through the SDK client: batch_get_id and batch_get, and the helpers that
// freebusy.ts shares (one GET with retries; cached, coalesced, batched lookups).
// The SDK has no typed methods for these; client.request is the documented escape hatch.
// They take repeated query keys (custom_room_ids=a&custom_room_ids=b), hence repeatKeysSerializer.
import type * as lark from '@larksuiteoapi/node-sdk';
import type { LookupOptions, RoomDetails, RoomDirectory, StateStore } from '../bot/ports.js';
import { callWithRetry, type CallPolicy, type TokenSource } from './call-with-retry.js';
import { repeatKeysSerializer, withTenantToken } from './client.js';

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
  tokens: TokenSource;
  policy: CallPolicy;
}

/**
 * One GET on meeting_room v1 (`path` as in "room/batch_get"), with retries; `countAttempt` runs on every
 * HTTP attempt (the benchmark's counters).
 */
export function meetingRoomGet<B>(
  api: MeetingRoomApi,
  path: string,
  params: Record<string, string | readonly string[]>,
  countAttempt: () => void,
  /** Awaited before every attempt (the directory sync's pacing). */
  beforeAttempt?: () => Promise<void>,
): Promise<B> {
  return callWithRetry<B>(
    `meeting_room.${path.replace('/', '.')}`,
    api.policy,
    async (token) => {
      await beforeAttempt?.();
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

export function createFeishuRoomDirectory(
  options: RoomDirectoryOptions,
): RoomDirectory & { stats: RoomDirectoryStats } {
  const { batchSize } = options;
  const cache = options.cacheTtlMs > 0 ? options.cache : undefined;
  const stats: RoomDirectoryStats = { batchGetIdCalls: 0, batchGetCalls: 0 };

  async function batchGetId(customRoomIds: readonly string[]): Promise<Map<string, string>> {
    const body = await meetingRoomGet<BatchGetIdBody>(
      options,
      'room/batch_get_id',
      { custom_room_ids: customRoomIds },
      () => (stats.batchGetIdCalls += 1),
    );
    const found = new Map<string, string>();
    for (const room of body.data?.rooms ?? []) {
      if (room.custom_room_id && room.room_id) found.set(room.custom_room_id, room.room_id);
    }
    return found;
  }

  async function batchGet(roomIds: readonly string[]): Promise<Map<string, RoomDetails>> {
    const body = await meetingRoomGet<BatchGetBody>(
      options,
      'room/batch_get',
      { room_ids: roomIds, fields: '*' },
      () => (stats.batchGetCalls += 1),
    );
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
 * key → value lookups that (1) answer from the cache when allowed, (2) join a lookup already in flight
 * for the same key (and scope) instead of asking again, (3) ask Feishu for the rest in ceil(n / batchSize)
 * calls. A call's context reaches `fetch` and `scope`; a call that joins another's gets that one's answer.
 *
 * A key is "in flight" from the moment a lookup starts reading the cache for it until its answer is written
 * back, so a second caller never falls between the two: it either joins, or finds the answer cached. (Were
 * the cache read outside, a caller that missed in Redis while another's call was landing would ask again.)
 */
export function cachedBatchLookup<V, C = void>(spec: CachedLookupSpec<V, C>) {
  const inflight = new Map<string, Promise<V | undefined>>();

  /** What the cache holds for `keys`: decoded values (a cached "not found" is undefined), and the keys it lacks. */
  async function fromCache(
    keys: readonly string[],
    cacheKey: (key: string) => string,
  ): Promise<{ cached: Map<string, V | undefined>; misses: string[] }> {
    const cached = new Map<string, V | undefined>();
    if (!spec.cache) return { cached, misses: [...keys] };
    const misses: string[] = [];
    const raws = await Promise.all(keys.map((key) => spec.cache!.get(cacheKey(key)).catch(() => undefined)));
    keys.forEach((key, i) => {
      const raw = raws[i];
      if (raw === undefined) misses.push(key);
      else cached.set(key, spec.decode(raw));
    });
    return { cached, misses };
  }

  /** Starts the lookup of `keys` (cache, then Feishu in batches) and marks each key in flight until its answer is cached. */
  function start(keys: string[], cacheKey: (key: string) => string, context: C, useCache: boolean): void {
    const read = useCache
      ? fromCache(keys, cacheKey)
      : Promise.resolve({ cached: new Map<string, V | undefined>(), misses: keys });
    // one call per batch of misses; a key's answer comes from its own batch, so one failed batch fails only its keys
    const calls = read.then(({ misses }) => {
      const byKey = new Map<string, Promise<Map<string, V>>>();
      for (let i = 0; i < misses.length; i += spec.batchSize) {
        const batch = misses.slice(i, i + spec.batchSize);
        const call = spec.fetch(batch, context);
        for (const key of batch) byKey.set(key, call);
      }
      return byKey;
    });
    for (const key of keys) {
      const fullKey = cacheKey(key);
      const fetched = calls.then((byKey) => byKey.get(key)?.then((answers) => ({ value: answers.get(key) })));
      const settled = Promise.all([read, fetched]).then(([{ cached }, answer]) =>
        answer ? answer.value : cached.get(key),
      );
      inflight.set(fullKey, settled);
      void fetched
        .then((answer) => answer && spec.cache?.set(fullKey, spec.encode(answer.value), spec.ttlMs))
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
    // Refresh asks Feishu itself (a lookup in flight may be answering from the cache); the others join what is in flight
    const bypass = options?.bypassCache === true;
    const fresh = bypass ? unique : unique.filter((key) => !inflight.has(cacheKey(key)));
    if (fresh.length > 0) start(fresh, cacheKey, context, !bypass);
    const values = await Promise.all(unique.map((key) => inflight.get(cacheKey(key))!));
    const result = new Map<string, V>();
    unique.forEach((key, i) => {
      const value = values[i];
      if (value !== undefined) result.set(key, value);
    });
    return result;
  };
}
