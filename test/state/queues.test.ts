// The queue contract run against both intake queues: the local journal and BullMQ on Redis.
import { mkdtempSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { createLocalQueue } from '../../src/state/local-queue.js';
import { createRedisQueue } from '../../src/state/redis-queue.js';
import { captureLogs } from '../helpers/log-capture.js';
import { redisAvailable, useRedisServer } from '../helpers/redis-server.js';
import { describeIntakeQueueContract } from './queue-contract.js';

const COMMON = { dedupeTtlMs: 60_000, logger: captureLogs().logger };

describeIntakeQueueContract('local journal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'roombot-queue-'));
  return { open: (settings) => createLocalQueue({ ...COMMON, ...settings, dir, maxDoneEntries: 1000 }) };
});

describe.skipIf(!redisAvailable())('Redis', () => {
  const redis = useRedisServer();
  describeIntakeQueueContract('BullMQ on Redis', async () => {
    const prefix = `test-${randomUUID()}`;
    return {
      open: (settings) =>
        createRedisQueue({
          ...COMMON,
          ...settings,
          url: redis.server().url,
          prefix,
          lockMs: 2_000,
          stalledCheckMs: 500,
        }),
    };
  });
});
