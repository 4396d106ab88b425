// The directory's pure core: parse, folding, find ranking, free candidates and ranking, suggestions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freeRooms } from '../../../src/bot/directory/free.js';
import type { DirectoryRoom } from '../../../src/bot/directory/model.js';
import { foldWords } from '../../../src/bot/directory/normalize.js';
import { capacityOf, parseDirectoryCommand } from '../../../src/bot/directory/parse.js';
import { boundedDistance } from '../../../src/bot/directory/suggest.js';
import { createDirectoryView } from '../../../src/bot/directory/view.js';
import { parseCommand } from '../../../src/bot/command.js';

let n = 0;
function room(fields: Partial<DirectoryRoom>): DirectoryRoom {
  n += 1;
  return {
    room_id: `omm_${String(n).padStart(32, '0')}`,
    name: `Room ${n}`,
    capacity: 8,
    building_id: 'omb_1',
    building_name: 'Tower A',
    floor_name: 'F1',
    is_disabled: false,
    ...fields,
  };
}

const rooms = [
  room({ name: 'Everest 珠穆朗玛', custom_room_id: 'BJ-A-0101', capacity: 20 }),
  room({ name: 'Everest Annex', custom_room_id: 'BJ-A-0102', capacity: 6 }),
  room({ name: 'Big Everest', custom_room_id: 'BJ-A-0103', capacity: 10 }),
  room({ name: 'everest', custom_room_id: 'BJ-A-0104', capacity: 4 }),
  room({ name: '前海 Qianhai', custom_room_id: '深圳-1202', building_name: '深圳湾 Tower C', floor_name: 'F12' }),
  room({ name: 'Old', custom_room_id: 'test01', is_disabled: true, building_name: '深圳湾 Tower C', capacity: 6 }),
];
const view = createDirectoryView({ synced_at: 0, custom_ids: true, rooms });
const limits = { maxIds: 100, maxIdLength: 64 };
const text = (value: string) => ({ chat_type: 'p2p', message_type: 'text', content: JSON.stringify({ text: value }) });

describe('parse', () => {
  it('reads find, free with a capacity in its three spellings, and the -- escape', () => {
    expect(parseCommand(text('/room find 前海 tower'), limits)).toEqual({ kind: 'find', words: ['前海', 'tower'] });
    expect(parseCommand(text('/room 搜索 前海'), limits)).toEqual({ kind: 'find', words: ['前海'] });
    for (const spelling of ['6', '6人', '6p', '６人'])
      expect(parseCommand(text(`/room free ${spelling} 深圳湾`), limits)).toEqual({
        kind: 'free',
        minCapacity: 6,
        words: ['深圳湾'],
      });
    expect(parseCommand(text('/room 空闲'), limits)).toEqual({ kind: 'free', words: [] });
    expect(parseCommand(text('/room -- free find'), limits)).toEqual({ kind: 'lookup', ids: ['free', 'find'] });
    expect(parseCommand(text('/room test01 free'), limits)).toEqual({ kind: 'lookup', ids: ['test01', 'free'] });
    expect(parseCommand(text('find 前海'), limits)).toEqual({ kind: 'find', words: ['前海'] }); // addressed, no /room
    expect(parseCommand(text('/room find'), limits)).toEqual({ kind: 'help', reason: 'requested' });
  });

  it('takes only small whole numbers as a capacity', () => {
    expect(capacityOf('0')).toBeUndefined();
    expect(capacityOf('12345')).toBeUndefined();
    expect(capacityOf('F15')).toBeUndefined();
    expect(parseDirectoryCommand(['free', '6', '人', 'F15'])).toEqual({ kind: 'free', minCapacity: 6, words: ['F15'] });
  });

  it('never throws and keeps its words within what was typed', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20 }), { maxLength: 30 }), (words) => {
        const command = parseDirectoryCommand(words);
        if (command && 'words' in command) expect(command.words.length).toBeLessThan(Math.max(words.length, 1));
      }),
    );
  });
});

describe('find', () => {
  it('matches every word case-, width- and NFKC-insensitively over name, building, floor and custom ID', () => {
    expect(view.search(foldWords(['ＥＶＥＲＥＳＴ', 'bj-a']), 10).total).toBe(4);
    expect(view.search(foldWords(['深圳湾', 'f12']), 10).rooms.map((r) => r.custom_room_id)).toEqual(['深圳-1202']);
    expect(view.search(foldWords(['nothing-like-it']), 10)).toEqual({ rooms: [], total: 0 });
  });

  it('ranks exact name, then prefix, then contains, and cuts at the limit', () => {
    const result = view.search(foldWords(['everest']), 3);
    expect(result.total).toBe(4);
    expect(result.rooms.map((r) => r.name)).toEqual(['everest', 'Everest Annex', 'Everest 珠穆朗玛']);
  });

  it('never throws, stays within the limit, and every room shown matches', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 8 }), { maxLength: 5 }),
        fc.integer({ min: 0, max: 12 }),
        (words, k) => {
          const folded = foldWords(words);
          const result = view.search(folded, k);
          expect(result.rooms.length).toBeLessThanOrEqual(Math.min(k, result.total));
        },
      ),
    );
  });
});

describe('search over the one-string index', () => {
  const alphabet = ['a', 'b', 'ab', '\u0001', 'Ａ', '楼', ' '];
  const word = fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 3 }).map((parts) => parts.join(''));
  it('finds exactly the rooms whose name, building, floor or custom ID contain every word', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: word, building_name: word, floor_name: word, custom_room_id: word }), {
          maxLength: 12,
        }),
        fc.array(word, { maxLength: 3 }),
        (fields, words) => {
          const some = fields.map((f, i) => room({ ...f, room_id: `omm_${i}` }));
          const folded = foldWords(words);
          const result = createDirectoryView({ synced_at: 0, custom_ids: true, rooms: some }).search(folded, 100);
          const text = (r: DirectoryRoom) =>
            foldWords([r.name, r.building_name, r.floor_name, r.custom_room_id ?? '']).join('\0');
          const expected = folded.length === 0 ? [] : some.filter((r) => folded.every((w) => text(r).includes(w)));
          expect(result.total).toBe(expected.length);
          expect(new Set(result.rooms.map((r) => r.room_id))).toEqual(new Set(expected.map((r) => r.room_id)));
        },
      ),
    );
  });
});

describe('free', () => {
  const window = { from: Date.parse('2026-01-05T02:00:00Z'), to: Date.parse('2026-01-05T16:00:00Z') };
  it('filters disabled rooms, capacity and place words first, smallest capacity first', () => {
    const candidates = view.freeCandidates({ minCapacity: 6, words: foldWords(['tower']) }, 60);
    expect(candidates.rooms.map((r) => r.capacity)).toEqual([6, 8, 10, 20]);
    expect(candidates.rooms.some((r) => r.is_disabled)).toBe(false);
    expect(view.freeCandidates({ words: foldWords(['深圳湾']) }, 60).rooms.map((r) => r.custom_room_id)).toEqual([
      '深圳-1202',
    ]);
    expect(view.freeCandidates({ words: [] }, 2).total).toBe(5);
  });

  it('keeps rooms free long enough, by capacity then longest stretch; unknown free/busy is not free', () => {
    const [a, b, c, d] = [room({ capacity: 6 }), room({ capacity: 6 }), room({ capacity: 4 }), room({ capacity: 4 })];
    const at = (minutes: number) => new Date(window.from + minutes * 60_000).toISOString();
    const bookings = new Map([
      [a.room_id, [{ start_time: at(60), end_time: at(90) }]],
      [b.room_id, []],
      [c.room_id, [{ start_time: at(20), end_time: at(90) }]], // free 20 minutes only
      // d: no answer
    ]);
    const free = freeRooms([a, b, c, d], bookings, window, 30 * 60_000, 10);
    expect(free.map((f) => f.room.room_id)).toEqual([b.room_id, a.room_id]);
    expect(free[1]!.until).toBe(window.from + 60 * 60_000);
  });
});

describe('did you mean', () => {
  it('offers custom IDs within edit distance 2, then names containing the word', () => {
    expect(view.suggest('BJ-A-O101', 3).map((r) => r.custom_room_id)).toContain('BJ-A-0101');
    expect(view.suggest('qianhai', 3).map((r) => r.custom_room_id)).toEqual(['深圳-1202']);
    expect(view.suggest('zzzzzzzzzz', 3)).toEqual([]);
  });

  it('bounds the edit distance at max + 1, and agrees with it below', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = boundedDistance(a, b);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(3);
        expect(boundedDistance(a, a)).toBe(0);
        expect(boundedDistance(a, b)).toBe(boundedDistance(b, a));
      }),
    );
  });

  it('stays linear: a 10,000-room directory answers a word of 128 characters', () => {
    const many = createDirectoryView({
      synced_at: 0,
      custom_ids: true,
      rooms: Array.from({ length: 10_000 }, (_, i) => room({ custom_room_id: `X-${i}`, name: `n${i}` })),
    });
    expect(many.suggest('x'.repeat(128), 3)).toEqual([]);
    expect(many.search(foldWords(['x'.repeat(128)]), 10).total).toBe(0);
  });
});
