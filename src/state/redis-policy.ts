// The Redis settings the intake depends on, read the same way by the bot (at start and on every reconnect)
// and by `npm run doctor`. BullMQ requires maxmemory-policy noeviction: any other policy lets Redis drop
// jobs under memory pressure, i.e. messages acknowledged and never answered.
import type { Redis } from 'ioredis';

export const REQUIRED_EVICTION_POLICY = 'noeviction';

/** `INFO` text (`key:value` lines, `# Section` headers) → its fields. */
export function parseRedisInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** maxmemory-policy from `INFO memory` (CONFIG GET is often disabled on managed Redis; INFO is not). */
export async function readEvictionPolicy(client: Pick<Redis, 'info'>): Promise<string> {
  return parseRedisInfo(await client.info('memory')).get('maxmemory_policy') ?? 'unknown';
}

/** What is wrong with the policy, as one sentence naming the setting; undefined when it is noeviction. */
export function evictionProblem(policy: string): string | undefined {
  if (policy === REQUIRED_EVICTION_POLICY) return undefined;
  return `Redis maxmemory-policy is ${policy}: under memory pressure Redis may drop accepted messages; set maxmemory-policy ${REQUIRED_EVICTION_POLICY}`;
}
