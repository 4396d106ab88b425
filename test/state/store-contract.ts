// One behaviour suite for every StateStore implementation (memory, Redis, failover).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StateStore } from '../../src/bot/ports.js';

export interface StoreUnderTest {
  store: StateStore;
  /** Releases what the factory created (close() is called on the store by the suite). */
  cleanup?: () => Promise<void>;
}

export function describeStateStoreContract(name: string, factory: () => Promise<StoreUnderTest>): void {
  describe(`StateStore contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: StateStore;

    beforeEach(async () => {
      subject = await factory();
      store = subject.store;
    });

    afterEach(async () => {
      await store.close();
      await subject.cleanup?.();
    });

    it('setIfAbsent claims a key once, and the value can be read back', async () => {
      expect(await store.setIfAbsent('msg:om_1', 'processing', 60_000)).toBe(true);
      expect(await store.setIfAbsent('msg:om_1', 'other', 60_000)).toBe(false);
      expect(await store.get('msg:om_1')).toBe('processing');
    });

    it('get of a key never set is undefined', async () => {
      expect(await store.get('never-set')).toBeUndefined();
    });

    it('set overwrites unconditionally', async () => {
      await store.setIfAbsent('k', 'processing', 60_000);
      await store.set('k', 'done', 60_000);
      expect(await store.get('k')).toBe('done');
      await store.set('fresh', 'v', 60_000);
      expect(await store.get('fresh')).toBe('v');
    });

    it('delete removes the key, so it can be claimed again', async () => {
      await store.setIfAbsent('k', 'v', 60_000);
      await store.delete('k');
      expect(await store.get('k')).toBeUndefined();
      expect(await store.setIfAbsent('k', 'v2', 60_000)).toBe(true);
      await store.delete('absent-key'); // deleting what is not there is fine
    });

    it("deleteByPrefix removes one tenant's keys and nothing else, glob characters taken literally", async () => {
      await store.set('t:a:lookup:rid:test01', 'omm_a', 60_000);
      await store.set('t:a:card:e1', 'x', 60_000);
      await store.set('t:ab:lookup:rid:test01', 'omm_ab', 60_000);
      await store.set('t:b:lookup:rid:test01', 'omm_b', 60_000);
      await store.set('t:*:x', 'star', 60_000);
      await store.deleteByPrefix('t:a:');
      expect(await store.get('t:a:lookup:rid:test01')).toBeUndefined();
      expect(await store.get('t:a:card:e1')).toBeUndefined();
      expect(await store.get('t:ab:lookup:rid:test01')).toBe('omm_ab');
      expect(await store.get('t:b:lookup:rid:test01')).toBe('omm_b');
      await store.deleteByPrefix('t:*');
      expect(await store.get('t:*:x')).toBeUndefined();
      expect(await store.get('t:b:lookup:rid:test01')).toBe('omm_b');
    });

    it('entries expire after their TTL, and an expired key can be claimed again', async () => {
      expect(await store.setIfAbsent('short', 'v', 40)).toBe(true);
      await store.set('short-set', 'v', 40);
      await store.set('long', 'v', 60_000);
      await vi.waitFor(
        async () => {
          expect(await store.get('short')).toBeUndefined();
          expect(await store.get('short-set')).toBeUndefined();
        },
        { timeout: 5_000, interval: 20 },
      );
      expect(await store.setIfAbsent('short', 'again', 60_000)).toBe(true);
      expect(await store.get('long')).toBe('v');
    });

    it('set replaces the TTL of an existing key', async () => {
      await store.set('k', 'v1', 40);
      await store.set('k', 'v2', 60_000);
      // wait until a key written with the short TTL alongside would surely be gone
      await store.set('probe', 'p', 40);
      await vi.waitFor(async () => expect(await store.get('probe')).toBeUndefined(), { timeout: 5_000, interval: 20 });
      expect(await store.get('k')).toBe('v2');
    });

    it('of many concurrent setIfAbsent calls on one key, exactly one wins', async () => {
      const results = await Promise.all(
        Array.from({ length: 25 }, (_, i) => store.setIfAbsent('race', `v${i}`, 60_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('keeps keys and values byte-exact, Unicode included', async () => {
      const key = 'room:会议室-A 101/:*?';
      const value = JSON.stringify({ name: '大会议室', emoji: '🚪', quote: '"' });
      await store.set(key, value, 60_000);
      expect(await store.get(key)).toBe(value);
    });

    it('accepts a fractional TTL (rounded up, never zero)', async () => {
      expect(await store.setIfAbsent('frac', 'v', 1500.4)).toBe(true);
      expect(await store.get('frac')).toBe('v');
    });
  });
}
