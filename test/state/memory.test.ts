import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/state/memory.js';
import { captureLogs } from '../helpers/log-capture.js';
import { describeStateStoreContract } from './store-contract.js';

describeStateStoreContract('memory', async () => ({ store: createMemoryStore({ maxEntries: 1_000 }) }));

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('memory store', () => {
  it('expires exactly at the TTL on the injected clock', async () => {
    const c = clock();
    const store = createMemoryStore({ maxEntries: 10, now: c.now });
    await store.set('k', 'v', 1_000);
    c.advance(999);
    expect(await store.get('k')).toBe('v');
    c.advance(1);
    expect(await store.get('k')).toBeUndefined();
    expect(store.size).toBe(0); // lazily removed on read
  });

  it('stays within maxEntries under 150,000 distinct live keys, evicting the oldest first', async () => {
    const store = createMemoryStore({ maxEntries: 1_000 });
    for (let i = 0; i < 150_000; i++) await store.setIfAbsent(`msg:${i}`, 'done', 3_600_000);
    expect(store.size).toBe(1_000);
    expect(await store.get('msg:0')).toBeUndefined();
    expect(await store.get('msg:148999')).toBeUndefined();
    expect(await store.get('msg:149000')).toBe('done');
    expect(await store.get('msg:149999')).toBe('done');
  });

  it('sweeps expired entries on writes, so they do not pile up below the cap', async () => {
    const c = clock();
    const store = createMemoryStore({ maxEntries: 100_000, now: c.now });
    for (let i = 0; i < 1_000; i++) await store.set(`old:${i}`, 'v', 1_000);
    c.advance(2_000);
    for (let i = 0; i < 1_000; i++) await store.set(`new:${i}`, 'v', 1_000);
    // every write looked at the oldest entries and dropped the expired ones
    expect(store.size).toBe(1_000);
  });

  it('drops expired entries before evicting a live one that is older', async () => {
    const c = clock();
    const store = createMemoryStore({ maxEntries: 3, now: c.now });
    await store.set('live', 'v', 60_000);
    await store.set('x', 'v', 10);
    await store.set('y', 'v', 10);
    c.advance(20);
    await store.set('d', 'v', 60_000);
    await store.set('e', 'v', 60_000);
    // plain oldest-first eviction would have dropped `live` to make room for `d`
    expect([await store.get('live'), await store.get('d'), await store.get('e')]).toEqual(['v', 'v', 'v']);
  });

  it('a rewritten key counts as young again', async () => {
    const store = createMemoryStore({ maxEntries: 2 });
    await store.set('a', '1', 60_000);
    await store.set('b', '1', 60_000);
    await store.set('a', '2', 60_000); // a is now the youngest
    await store.set('c', '1', 60_000); // evicts b, not a
    expect(await store.get('a')).toBe('2');
    expect(await store.get('b')).toBeUndefined();
  });

  it('warns (at most once a minute) when it has to evict live entries', async () => {
    const c = clock();
    const logs = captureLogs();
    const store = createMemoryStore({ maxEntries: 2, now: c.now, logger: logs.logger });
    for (let i = 0; i < 10; i++) await store.set(`k${i}`, 'v', 3_600_000);
    const warnings = () => logs.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('memory store full'));
    expect(warnings()).toHaveLength(1);
    c.advance(60_000);
    await store.set('later', 'v', 3_600_000);
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]!.evicted).toBe(8);
  });

  it('refuses a nonsensical cap', () => {
    expect(() => createMemoryStore({ maxEntries: 0 })).toThrow(RangeError);
  });
});
