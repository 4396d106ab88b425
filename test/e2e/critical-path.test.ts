// End to end: the Feishu round trips a /room answer waits for, one after another. Cold: batch_get_id, then
// batch_get and freebusy side by side, then the reply; with the lookups cached only what is not known is asked.
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiName } from '../../src/emulator/index.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function ask(s: Stack, text: string): Promise<void> {
  const count = s.emulator.replies.length;
  await s.emulator.sendMessage({ text });
  await s.emulator.waitForReplies(count + 1, 8_000);
}

const arrivals = (s: Stack, api: ApiName, from = 0) =>
  s.emulator.requests
    .slice(from)
    .filter((r) => r.api === api)
    .map((r) => r.at);

describe('critical path of a /room answer', () => {
  it('free/busy is asked as soon as batch_get_id has answered, not after batch_get', async () => {
    stack = await startStack();
    // batch_get answers 500 ms late: free/busy must not be behind it
    stack.emulator.faults.inject({ api: 'batch_get', kind: 'latency', latencyMs: 500 });
    await ask(stack, '/room test01');
    const [details] = arrivals(stack, 'batch_get');
    const [freeBusy] = arrivals(stack, 'freebusy');
    expect(Math.abs(freeBusy! - details!)).toBeLessThan(250);
  });

  it('asks nothing it knows: with the lookups cached and free/busy past its TTL, a repeated /room asks free/busy alone', async () => {
    stack = await startStack({ env: { AVAILABILITY_CACHE_TTL_SECONDS: '0' } });
    await ask(stack, '/room test01 test02');
    const mark = stack.emulator.requests.length;
    await ask(stack, '/room test02 test01');
    const asked = stack.emulator.requests.slice(mark).map((r) => r.api);
    // (the room directory's own background sync may call other APIs meanwhile)
    const lookups = new Set<string | undefined>(['batch_get_id', 'batch_get', 'freebusy']);
    expect(asked.filter((api) => lookups.has(api))).toEqual(['freebusy']);
  });
});
