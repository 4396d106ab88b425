import { describe, expect, it } from 'vitest';
import { createThrottledLog } from '../src/throttled-log.js';
import { captureLogs } from './helpers/log-capture.js';

describe('throttled log', () => {
  it('writes at most `burst` lines per kind per interval, then says how many it left out', () => {
    const logs = captureLogs();
    let now = 0;
    const log = createThrottledLog(logs.logger, { intervalMs: 1000, burst: 2, now: () => now });
    for (let i = 0; i < 10; i += 1) log('warn', 'busy', { i }, 'overloaded');
    log('warn', 'bad_signature', {}, 'bad signature');
    expect(logs.lines.map((l) => [l.msg, l.i, l.suppressed])).toEqual([
      ['overloaded', 0, undefined],
      ['overloaded', 1, undefined],
      ['bad signature', undefined, undefined],
    ]);
    now = 1000;
    log('warn', 'busy', { i: 10 }, 'overloaded');
    expect(logs.lines.at(-1)).toMatchObject({ i: 10, suppressed: 8 });
  });
});
