import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createJournalStore } from '../../src/state/journal-store.js';
import { captureLogs } from '../helpers/log-capture.js';
import { describeStateStoreContract } from './store-contract.js';

const open = (dir: string, now?: () => number) =>
  createJournalStore({ dir, name: 'marks.jsonl', maxEntries: 1_000, logger: captureLogs().logger, now });

describeStateStoreContract('journal', async () => ({ store: await open(mkdtempSync(join(tmpdir(), 'marks-'))) }));

describe('journal store across a restart', () => {
  it('keeps what was set, forgets what was deleted or has expired', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'marks-'));
    let clock = 1_000_000;
    const first = await open(dir, () => clock);
    expect(await first.setIfAbsent('card:a', 'answer-a', 60_000)).toBe(true);
    await first.set('card:b', 'answer-b', 1_000);
    await first.set('card:c', 'answer-c', 60_000);
    await first.delete('card:c');
    await first.close();

    clock += 5_000; // b has expired meanwhile
    const second = await open(dir, () => clock);
    expect(await second.get('card:a')).toBe('answer-a');
    expect(await second.setIfAbsent('card:a', 'again', 60_000)).toBe(false);
    expect(await second.get('card:b')).toBeUndefined();
    expect(await second.get('card:c')).toBeUndefined();
    await second.close();
  });

  it('a torn last line (a crash mid-write) loses only that line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'marks-'));
    const first = await open(dir);
    await first.set('card:a', 'answer-a', 60_000);
    await first.close();
    const path = join(dir, 'marks.jsonl');

    appendFileSync(path, '{"op":"set","k":"card:b","v":"ans');
    const second = await open(dir);
    expect(await second.get('card:a')).toBe('answer-a');
    await second.set('card:d', 'answer-d', 60_000);
    await second.close();
    expect(
      readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .every((line) => JSON.parse(line)),
    ).toBe(true);
  });
});
