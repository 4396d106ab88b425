// cachedBatchLookup's coalescing with a cache that answers slowly (a Redis across a network, or one under
// load): a key is in flight from the start of its cache read until its answer is cached, so a caller that
// comes meanwhile joins instead of asking Feishu again. (The bench's Redis row once made 22 lookups for 20 rooms.)
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { cachedBatchLookup } from '../../src/feishu/rooms.js';
import { createMemoryStore } from '../../src/state/memory.js';
import type { StateStore } from '../../src/bot/ports.js';
import { createLogger } from '../../src/log.js';

const READ_MS = 30;
const FETCH_MS = 10;

/** A store whose reads take READ_MS and see the value as it was when asked; writes land at once. */
function slowReadingStore(): StateStore {
  const memory = createMemoryStore({ maxEntries: 100, logger: createLogger('silent') });
  return {
    ...memory,
    async get(key) {
      const value = await memory.get(key);
      await sleep(READ_MS);
      return value;
    },
  };
}

function lookupWithCounter(options: { batchSize?: number; failBatchWith?: string } = {}) {
  const calls: string[][] = [];
  const lookup = cachedBatchLookup<string>({
    namespace: 'test',
    fetch: async (keys) => {
      calls.push([...keys]);
      await sleep(FETCH_MS);
      if (options.failBatchWith && keys.includes(options.failBatchWith)) throw new Error('batch refused');
      return new Map(keys.filter((key) => key !== 'missing').map((key) => [key, `value of ${key}`]));
    },
    encode: (value) => value ?? '\u0000',
    decode: (raw) => (raw === '\u0000' ? undefined : raw),
    batchSize: options.batchSize ?? 50,
    cache: slowReadingStore(),
    ttlMs: 60_000,
  });
  return { lookup, calls };
}

describe('cachedBatchLookup with a slow cache', () => {
  it('a caller that comes while the first is reading the cache or asking Feishu joins it: one call', async () => {
    const { lookup, calls } = lookupWithCounter();
    const first = lookup(['x'], undefined);
    await sleep(READ_MS - 10); // the first is still reading the cache
    const second = lookup(['x'], undefined);
    await sleep(READ_MS); // the first's call has landed; the second's own read would have missed
    const third = lookup(['x'], undefined);
    const answers = await Promise.all([first, second, third]);
    expect(answers.map((answer) => answer.get('x'))).toEqual(['value of x', 'value of x', 'value of x']);
    expect(calls).toEqual([['x']]);
  });

  it('once answered, later callers read the cache (a cached "not found" too)', async () => {
    const { lookup, calls } = lookupWithCounter();
    expect((await lookup(['x', 'missing'], undefined)).get('x')).toBe('value of x');
    const again = await lookup(['missing', 'x'], undefined);
    expect(again.get('x')).toBe('value of x');
    expect(again.has('missing')).toBe(false);
    expect(calls).toEqual([['x', 'missing']]);
  });

  it('Refresh (bypassCache) asks Feishu even while another lookup reads the cache, and others join it', async () => {
    const { lookup, calls } = lookupWithCounter();
    await lookup(['x'], undefined);
    const cached = lookup(['x'], undefined);
    const refreshed = lookup(['x'], { bypassCache: true });
    const joiner = lookup(['x'], undefined);
    await Promise.all([cached, refreshed, joiner]);
    expect(calls).toEqual([['x'], ['x']]);
  });

  it('a failed batch fails the keys it carried, not those of the other batches', async () => {
    const { lookup } = lookupWithCounter({ batchSize: 1, failBatchWith: 'bad' });
    const both = lookup(['good', 'bad'], undefined);
    const goodAlone = lookup(['good'], undefined);
    await expect(both).rejects.toThrow('batch refused');
    expect((await goodAlone).get('good')).toBe('value of good');
  });
});
