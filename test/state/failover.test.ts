import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { createFailoverStore } from '../../src/state/failover.js';
import { createMemoryStore } from '../../src/state/memory.js';
import type { StateStore } from '../../src/bot/ports.js';
import { redisAvailable, useRedisServer } from '../helpers/redis-server.js';
import { captureLogs } from '../helpers/log-capture.js';
import { describeStateStoreContract } from './store-contract.js';

const OUTAGE =
  'state store: redis unavailable, failing open to the in-memory store (dedupe is per replica until it is back)';
const RECOVERY = 'state store: redis is back, leaving the in-memory fallback';

/** A primary that works like memory until told to fail, counting the calls that reached it. */
function switchablePrimary() {
  const inner = createMemoryStore({ maxEntries: 1_000 });
  const state = { down: false, calls: 0 };
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    state.calls += 1;
    if (state.down) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    return run();
  };
  const store: StateStore = {
    setIfAbsent: (k, v, t) => guard(() => inner.setIfAbsent(k, v, t)),
    set: (k, v, t) => guard(() => inner.set(k, v, t)),
    get: (k) => guard(() => inner.get(k)),
    delete: (k) => guard(() => inner.delete(k)),
    deleteByPrefix: (p) => guard(() => inner.deleteByPrefix(p)),
    close: () => inner.close(),
  };
  return { store, state, inner };
}

describe('failover store (deterministic primary)', () => {
  it('logs an outage once at error level, serves from memory meanwhile, and logs the recovery once', async () => {
    let t = 0;
    const logs = captureLogs();
    const primary = switchablePrimary();
    const store = createFailoverStore(primary.store, createMemoryStore({ maxEntries: 100 }), logs.logger, {
      retryIntervalMs: 1_000,
      now: () => t,
    });

    expect(await store.setIfAbsent('a', 'v', 60_000)).toBe(true);
    expect(await primary.inner.get('a')).toBe('v');

    primary.state.down = true;
    expect(await store.setIfAbsent('b', 'v', 60_000)).toBe(true);
    expect(await store.setIfAbsent('b', 'v', 60_000)).toBe(false);
    expect(await store.get('b')).toBe('v');
    await store.set('c', 'x', 60_000);
    expect(await store.get('c')).toBe('x');
    expect(store.usingFallback).toBe(true);
    expect(logs.find({ msg: OUTAGE })).toHaveLength(1);
    expect(logs.find({ msg: OUTAGE })[0]!.level).toBe(50);
    expect(logs.find({ msg: OUTAGE })[0]!.operation).toBe('setIfAbsent');

    // within the retry interval the dead primary is not even tried
    const callsDuringOutage = primary.state.calls;
    await store.get('b');
    expect(primary.state.calls).toBe(callsDuringOutage);

    // after the interval one operation probes it; still down: no second error line
    t += 1_000;
    await store.get('b');
    expect(primary.state.calls).toBe(callsDuringOutage + 1);
    expect(logs.find({ msg: OUTAGE })).toHaveLength(1);

    primary.state.down = false;
    t += 1_000;
    await store.set('d', 'v', 60_000);
    expect(store.usingFallback).toBe(false);
    expect(await primary.inner.get('d')).toBe('v');
    expect(logs.find({ msg: RECOVERY })).toHaveLength(1);
    expect(logs.find({ msg: RECOVERY })[0]!.outage_ms).toBe(2_000);

    // a second outage is logged again
    primary.state.down = true;
    await store.get('x');
    primary.state.down = false;
    t += 1_000;
    await store.get('x');
    expect(logs.find({ msg: OUTAGE })).toHaveLength(2);
    expect(logs.find({ msg: RECOVERY })).toHaveLength(2);
  });

  it('after recovery, still treats a message claimed during the outage as claimed', async () => {
    let t = 0;
    const primary = switchablePrimary();
    const store = createFailoverStore(primary.store, createMemoryStore({ maxEntries: 100 }), captureLogs().logger, {
      retryIntervalMs: 10,
      now: () => t,
    });
    primary.state.down = true;
    expect(await store.setIfAbsent('msg:om_1', 'processing', 60_000)).toBe(true);
    primary.state.down = false;
    t += 10;
    // Redis never saw the claim, but this replica did: a re-delivery is still a duplicate
    expect(await store.setIfAbsent('msg:om_1', 'processing', 60_000)).toBe(false);
    expect(await store.get('msg:om_1')).toBe('processing');
    // settling the mark after recovery removes it everywhere
    await store.delete('msg:om_1');
    expect(await store.get('msg:om_1')).toBeUndefined();
    expect(await store.setIfAbsent('msg:om_1', 'processing', 60_000)).toBe(true);
  });
});

describe.skipIf(!redisAvailable())('failover store over a real redis-server', () => {
  const { server, newStore: redisStore } = useRedisServer();

  describeStateStoreContract('failover (redis up)', async () => ({
    store: createFailoverStore(
      await redisStore(`contract:${randomUUID()}:`),
      createMemoryStore({ maxEntries: 1_000 }),
      captureLogs().logger,
    ),
  }));

  it('keeps answering from memory while redis-server is stopped, and goes back to Redis when it returns', async () => {
    const prefix = `failover:${randomUUID()}:`;
    const logs = captureLogs();
    const store = createFailoverStore(await redisStore(prefix), createMemoryStore({ maxEntries: 1_000 }), logs.logger, {
      retryIntervalMs: 50,
    });
    const observer = await redisStore(prefix); // another replica looking at Redis directly

    expect(await store.setIfAbsent('msg:before', 'done', 60_000)).toBe(true);
    expect(await observer.get('msg:before')).toBe('done');

    await server().stop();
    expect(await store.setIfAbsent('msg:during', 'processing', 60_000)).toBe(true);
    expect(await store.setIfAbsent('msg:during', 'processing', 60_000)).toBe(false);
    expect(await store.get('msg:during')).toBe('processing');
    await store.set('msg:during', 'done', 60_000);
    expect(await store.get('msg:during')).toBe('done');
    expect(store.usingFallback).toBe(true);
    const outage = logs.find({ msg: OUTAGE });
    expect(outage).toHaveLength(1);
    expect(outage[0]!.level).toBe(50);

    await server().restart();
    await vi.waitFor(
      async () => {
        await store.get('probe');
        expect(store.usingFallback).toBe(false);
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(logs.find({ msg: RECOVERY })).toHaveLength(1);
    expect(logs.find({ msg: OUTAGE })).toHaveLength(1);

    // writes reach Redis again: the other replica sees them
    expect(await store.setIfAbsent('msg:after', 'processing', 60_000)).toBe(true);
    await vi.waitFor(async () => expect(await observer.get('msg:after')).toBe('processing'), {
      timeout: 15_000,
      interval: 50,
    });
    // and what this replica claimed during the outage is still a duplicate here
    expect(await store.setIfAbsent('msg:during', 'processing', 60_000)).toBe(false);
  });
});
