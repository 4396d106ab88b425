import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore, redactRedisUrl } from '../../src/state/redis.js';
import { redisAvailable, useRedisServer } from '../helpers/redis-server.js';
import { captureLogs } from '../helpers/log-capture.js';
import { describeStateStoreContract } from './store-contract.js';

describe.skipIf(!redisAvailable())('redis store (real redis-server)', () => {
  const { newStore } = useRedisServer();

  describeStateStoreContract('redis', async () => ({ store: await newStore() }));

  it('two store instances on one Redis see each other’s claims (exactly once across replicas)', async () => {
    const prefix = `shared:${randomUUID()}:`;
    const replicaA = await newStore(prefix);
    const replicaB = await newStore(prefix);
    expect(await replicaA.setIfAbsent('msg:om_1', 'processing', 60_000)).toBe(true);
    expect(await replicaB.setIfAbsent('msg:om_1', 'processing', 60_000)).toBe(false);
    await replicaB.set('msg:om_1', 'done', 60_000);
    expect(await replicaA.get('msg:om_1')).toBe('done');

    // racing claims from both replicas: exactly one wins
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? replicaA : replicaB).setIfAbsent('msg:om_race', 'p', 60_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('keeps stores with different key prefixes apart', async () => {
    const one = await newStore('app-one:');
    const two = await newStore('app-two:');
    await one.set('k', 'from one', 60_000);
    expect(await two.get('k')).toBeUndefined();
    expect(await one.get('k')).toBe('from one');
  });
});

describe('redis store against a dead address', () => {
  let silent: Server;
  let silentPort: number;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // accepts TCP connections but never answers: the worst case, a hanging Redis
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    silentPort = typeof address === 'object' && address ? address.port : 0;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('fails commands quickly with an error when nothing listens (no offline queue)', async () => {
    const logs = captureLogs();
    // port 1 on loopback: connection refused
    const store = createRedisStore({
      url: 'redis://127.0.0.1:1',
      logger: logs.logger,
      keyPrefix: 'test:',
      connectTimeoutMs: 200,
    });
    await expect(store.setIfAbsent('k', 'v', 1_000)).rejects.toThrow();
    await expect(store.get('k')).rejects.toThrow();
    await expect(store.waitUntilReady(100)).rejects.toThrow(/not ready after 100 ms \(check REDIS_URL\)/);
    expect(store.isReady).toBe(false);
    await store.close();
  });

  it('fails commands with an error when the server accepts but never answers', async () => {
    const store = createRedisStore({
      url: `redis://127.0.0.1:${silentPort}`,
      logger: captureLogs().logger,
      keyPrefix: 'test:',
      connectTimeoutMs: 200,
      commandTimeoutMs: 200,
    });
    await expect(store.setIfAbsent('k', 'v', 1_000)).rejects.toThrow();
    await store.close();
  });

  it('never logs the password of the Redis URL', async () => {
    expect(redactRedisUrl('redis://user:s3cret@127.0.0.1:6379/2')).toBe('redis://user:***@127.0.0.1:6379/2');
    const logs = captureLogs();
    const store = createRedisStore({
      url: 'redis://user:s3cret@127.0.0.1:1',
      logger: logs.logger,
      keyPrefix: 'test:',
      connectTimeoutMs: 200,
    });
    const failure = await store.waitUntilReady(300).catch((error: Error) => error);
    await store.close();
    expect(String(failure)).toContain('redis://user:***@127.0.0.1:1');
    expect(logs.find({ msg: 'redis connection error' }).length).toBeGreaterThan(0);
    expect(logs.text()).not.toContain('s3cret');
  });
});
