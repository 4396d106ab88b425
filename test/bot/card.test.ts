import { describe, expect, it } from 'vitest';
import {
  CARD_BYTE_BUDGET,
  CARD_BYTE_LIMIT,
  REFRESH_VALUE_MAX_BYTES,
  buildErrorCard,
  buildHelpCard,
  buildLookupCard,
  cardByteLength,
  cardContentByteLength,
  type ErrorCardInput,
  type LookupCardInput,
} from '../../src/bot/card.js';
import { parseCommand } from '../../src/bot/command.js';
import type { Locale } from '../../src/bot/i18n.js';
import { restOfDay } from '../../src/bot/availability.js';
import type { Card, FreeBusyInstance, RoomDetails } from '../../src/bot/ports.js';
import { renderCardAsText } from '../../src/local/render-text.js';
import { CONFIGURED_LIMITS } from '../helpers/configured.js';

type Node = Record<string, unknown>;
const LOCALES: Locale[] = ['zh_cn', 'en_us'];

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every object of the card that carries a text `content` (texts, markdown, summary). */
function textObjects(value: unknown, found: Node[] = []): Node[] {
  if (Array.isArray(value)) value.forEach((item) => textObjects(item, found));
  else if (isNode(value)) {
    if (typeof value.content === 'string') found.push(value);
    Object.values(value).forEach((child) => textObjects(child, found));
  }
  return found;
}

/** What a reader with the given client language sees, all texts joined. */
function textsFor(card: Card, locale: Locale): string {
  return textObjects(card)
    .map((node) => (node.i18n_content as Record<Locale, string>)[locale])
    .join('\n');
}

function elements(card: Card): Node[] {
  return (card.body as { elements: Node[] }).elements;
}

function buttons(card: Card): Node[] {
  return elements(card).filter((element) => element.tag === 'button');
}

function expectCompleteI18n(card: Card): void {
  const texts = textObjects(card);
  expect(texts.length).toBeGreaterThan(0);
  for (const node of texts) {
    const i18n = node.i18n_content as Record<string, unknown> | undefined;
    expect(i18n, JSON.stringify(node)).toBeDefined();
    for (const locale of LOCALES) {
      expect(typeof i18n![locale]).toBe('string');
      expect((i18n![locale] as string).trim()).not.toBe('');
    }
    expect(node.content).toBe(i18n!.en_us);
  }
}

function expectWithinBudget(card: Card): void {
  expect(cardContentByteLength(card)).toBeLessThanOrEqual(CARD_BYTE_BUDGET);
  expect(cardByteLength(card)).toBeLessThan(CARD_BYTE_LIMIT);
}

const ROOM_A: RoomDetails = {
  room_id: 'omm_4de32cf10a4358788ff4e09e37ebbf9b',
  name: 'Everest 301',
  capacity: 12,
  building_id: 'omb_1',
  building_name: 'Tower A',
  floor_name: 'F3',
  description: 'Video conferencing, whiteboard',
  is_disabled: false,
};
const ROOM_B: RoomDetails = {
  room_id: 'omm_b2',
  name: 'Old room',
  capacity: 4,
  building_name: 'Tower B',
  floor_name: 'F1',
  is_disabled: true,
};

function sampleInput(overrides: Partial<LookupCardInput> = {}): LookupCardInput {
  return {
    requested: ['test01', 'missing01', 'test02', 'missing02'],
    found: new Map([
      ['test01', ROOM_A.room_id],
      ['test02', ROOM_B.room_id],
    ]),
    details: new Map([
      [ROOM_A.room_id, ROOM_A],
      [ROOM_B.room_id, ROOM_B],
    ]),
    refresh: { value: { action: 'refresh', ids: ['test01', 'missing01', 'test02', 'missing02'] } },
    ...overrides,
  };
}

describe('buildLookupCard', () => {
  it('is a JSON 2.0 card with complete zh_cn and en_us texts and English fallbacks', () => {
    const card = buildLookupCard(sampleInput());
    expect(card.schema).toBe('2.0');
    expect(card.config).toMatchObject({ update_multi: true });
    expect(card.config).not.toHaveProperty('locales');
    expectCompleteI18n(card);
  });

  it('maps every found custom ID to its room_id in inline code, in both languages', () => {
    const card = buildLookupCard(sampleInput());
    for (const locale of LOCALES) {
      const text = textsFor(card, locale);
      expect(text).toContain('`test01` → `omm_4de32cf10a4358788ff4e09e37ebbf9b`');
      expect(text).toContain('`test02` → `omm_b2`');
    }
  });

  it('shows name, capacity, building, floor and description, and marks disabled rooms', () => {
    const card = buildLookupCard(sampleInput());
    const en = textsFor(card, 'en_us');
    const zh = textsFor(card, 'zh_cn');
    for (const part of [
      'Everest 301',
      'Capacity 12',
      'Building Tower A',
      'Floor F3',
      'Description: Video conferencing, whiteboard',
    ]) {
      expect(en).toContain(part);
    }
    for (const part of [
      'Everest 301',
      '容纳 12 人',
      '建筑 Tower A',
      '楼层 F3',
      '说明：Video conferencing, whiteboard',
    ]) {
      expect(zh).toContain(part);
    }
    const oldRoomLineEn = en.split('\n').find((line) => line.includes('Old room'));
    const oldRoomLineZh = zh.split('\n').find((line) => line.includes('Old room'));
    expect(oldRoomLineEn).toContain('Disabled');
    expect(oldRoomLineZh).toContain('已停用');
    expect(en.split('\n').find((line) => line.includes('Everest 301'))).not.toContain('Disabled');
  });

  it('lists not-found IDs with a hint pointing at the admin console', () => {
    const card = buildLookupCard(sampleInput());
    const en = textsFor(card, 'en_us');
    const zh = textsFor(card, 'zh_cn');
    expect(en).toContain('**Not found (2)**\n`missing01`, `missing02`');
    expect(zh).toContain('**未找到（2）**\n`missing01`、`missing02`');
    expect(en).toContain('Admin Console > Meeting Rooms');
    expect(zh).toContain('管理后台 > 会议室');
  });

  it('summarises the counts, in the body and in the chat-list preview', () => {
    const card = buildLookupCard(sampleInput());
    expect(textsFor(card, 'en_us')).toContain('**2** found, **2** not found');
    expect(textsFor(card, 'zh_cn')).toContain('找到 **2** 个，未找到 **2** 个');
    expect((card.config as Node).summary).toMatchObject({ i18n_content: { en_us: 'Room IDs: 2 found, 2 not found' } });
  });

  it('colours the header by outcome', () => {
    const template = (input: Partial<LookupCardInput>) => (buildLookupCard(sampleInput(input)).header as Node).template;
    expect(template({})).toBe('orange');
    expect(template({ requested: ['test01'] })).toBe('green');
    expect(template({ requested: ['missing01'] })).toBe('red');
  });

  it('has a Refresh button that calls back with the given value', () => {
    const card = buildLookupCard(sampleInput());
    const [button] = buttons(card);
    expect(button).toBeDefined();
    expect(button!.behaviors).toEqual([
      { type: 'callback', value: { action: 'refresh', ids: ['test01', 'missing01', 'test02', 'missing02'] } },
    ]);
    expect(button!.text).toMatchObject({ tag: 'plain_text', i18n_content: { zh_cn: '刷新', en_us: 'Refresh' } });
  });

  it('has no button when no refresh value is given', () => {
    expect(buttons(buildLookupCard(sampleInput({ refresh: undefined })))).toEqual([]);
  });

  it('drops the button and says to resend when the refresh value is too large or cannot be encoded', () => {
    const huge = { action: 'refresh', ids: ['x'.repeat(REFRESH_VALUE_MAX_BYTES)] };
    const cyclic: Record<string, unknown> = { action: 'refresh' };
    cyclic.self = cyclic;
    for (const value of [huge, cyclic]) {
      const card = buildLookupCard(sampleInput({ refresh: { value } }));
      expect(buttons(card)).toEqual([]);
      expect(textsFor(card, 'en_us')).toContain('send the command again');
      expect(textsFor(card, 'zh_cn')).toContain('重新发送命令');
    }
  });

  it('still shows the IDs when details could not be loaded, with a note', () => {
    const card = buildLookupCard(sampleInput({ details: undefined, detailsUnavailable: true }));
    const en = textsFor(card, 'en_us');
    expect(en).toContain('`test01` → `omm_4de32cf10a4358788ff4e09e37ebbf9b`');
    expect(en).toContain('Room details could not be loaded');
    expect(textsFor(card, 'zh_cn')).toContain('暂时无法加载会议室详情');
    expect(en).not.toContain('Everest');
  });

  it('shows a found room without details when Feishu returned none for it', () => {
    const card = buildLookupCard(sampleInput({ details: new Map([[ROOM_A.room_id, ROOM_A]]) }));
    const en = textsFor(card, 'en_us');
    expect(en).toContain('`test02` → `omm_b2`');
    expect(en).not.toContain('could not be loaded');
    expect(en).toContain('Everest 301');
  });

  it('keeps the requested order and ignores duplicates in requested', () => {
    const card = buildLookupCard(sampleInput({ requested: ['test02', 'test01', 'test02'] }));
    const en = textsFor(card, 'en_us');
    expect(en.indexOf('`test02`')).toBeLessThan(en.indexOf('`test01`'));
    expect(en).toContain('**2** found, **0** not found');
  });

  it('escapes markup in IDs and room details so they cannot mention, link or format', () => {
    const hostileId = '<at id=all></at>';
    const hostile: RoomDetails = {
      room_id: 'omm_h',
      name: '[click](https://evil.example) <font color=red>x</font>',
      building_name: '**bold**',
      floor_name: '`code`',
      description: 'line1\nline2 <at id=all></at>',
    };
    const card = buildLookupCard({
      requested: [hostileId, 'nf<at id=all>'],
      found: new Map([[hostileId, 'omm_h']]),
      details: new Map([['omm_h', hostile]]),
    });
    for (const locale of LOCALES) {
      const text = textsFor(card, locale);
      expect(text).not.toContain('<at');
      expect(text).not.toContain('<font');
      expect(text).not.toContain('](');
      expect(text).not.toContain('**bold**');
      expect(text).not.toContain('line1\nline2');
    }
    const rendered = renderCardAsText(card, 'en_us');
    expect(rendered).toContain('<at id=all></at> → `omm_h`');
    expect(rendered).toContain('[click](https://evil.example)');
    expect(rendered).toContain('line1 line2');
  });

  it('keeps a room name that looks like a list item from starting a list', () => {
    const card = buildLookupCard({
      requested: ['a'],
      found: new Map([['a', 'omm_a']]),
      details: new Map([['omm_a', { room_id: 'omm_a', name: '1. Big room' }]]),
    });
    expect(textsFor(card, 'en_us')).not.toMatch(/^1\. Big room/m);
    expect(renderCardAsText(card, 'en_us')).toContain('1. Big room');
  });
});

describe('buildLookupCard: availability', () => {
  const NOW = Date.parse('2025-03-10T10:00:00+08:00');
  const window = restOfDay(NOW, 'Asia/Shanghai');
  const ROOM_C: RoomDetails = { room_id: 'omm_c3', name: 'Quiet room', capacity: 2, is_disabled: false };
  const busyNow: FreeBusyInstance = {
    start_time: '2025-03-10T09:30:00+08:00',
    end_time: '2025-03-10T11:00:00+08:00',
    organizer_info: { name: '张伟' },
  };
  const later: FreeBusyInstance = {
    start_time: '2025-03-10T14:00:00+08:00',
    end_time: '2025-03-10T15:00:00+08:00',
    organizer_info: { name: 'Alex Chen' },
  };

  function withAvailability(
    bookings: Record<string, FreeBusyInstance[]> | undefined,
    overrides: Partial<LookupCardInput> = {},
  ): LookupCardInput {
    return sampleInput({
      requested: ['test01', 'test02', 'test03'],
      found: new Map([
        ['test01', ROOM_A.room_id],
        ['test02', ROOM_B.room_id],
        ['test03', ROOM_C.room_id],
      ]),
      details: new Map([ROOM_A, ROOM_B, ROOM_C].map((room) => [room.room_id, room])),
      availability: {
        window,
        timeZone: 'Asia/Shanghai',
        ...(bookings ? { bookings: new Map(Object.entries(bookings)) } : { unavailable: true }),
      },
      ...overrides,
    });
  }

  /** The rendered line of a room (found by its room_id) and the lines under it, up to the next room. */
  function roomBlock(card: Card, locale: Locale, roomId: string): string {
    const text = renderCardAsText(card, locale);
    const start = text.indexOf(`\`${roomId}\``);
    const next = text.indexOf(' → ', start + roomId.length + 2);
    return text.slice(start, next === -1 ? undefined : text.lastIndexOf('\n', next));
  }

  it('shows each room busy (until when, by whom) or free (until its next booking), in both languages', () => {
    const card = buildLookupCard(
      withAvailability({ [ROOM_A.room_id]: [busyNow, later], [ROOM_B.room_id]: [], [ROOM_C.room_id]: [later] }),
    );
    expectCompleteI18n(card);
    expect(roomBlock(card, 'en_us', ROOM_A.room_id)).toContain('🔴 Busy until 11:00 · booked by 张伟');
    expect(roomBlock(card, 'zh_cn', ROOM_A.room_id)).toContain('🔴 使用中，至 11:00 · 预订人：张伟');
    expect(roomBlock(card, 'en_us', ROOM_C.room_id)).toContain('🟢 Free until 14:00');
    expect(roomBlock(card, 'zh_cn', ROOM_C.room_id)).toContain('🟢 空闲，至 14:00');
    expect(textsFor(card, 'en_us')).toContain('Free/busy as of 10:00 (Asia/Shanghai time)');
    expect(textsFor(card, 'zh_cn')).toContain('空闲状态截至 10:00（Asia/Shanghai 时间）');
  });

  it('a disabled room stays marked disabled and is never called free', () => {
    const card = buildLookupCard(
      withAvailability({ [ROOM_A.room_id]: [], [ROOM_B.room_id]: [], [ROOM_C.room_id]: [] }),
    );
    for (const locale of LOCALES) {
      const block = roomBlock(card, locale, ROOM_B.room_id);
      expect(block).toMatch(/Disabled|已停用/);
      expect(block).not.toMatch(/🟢|🔴/);
    }
    expect(roomBlock(card, 'en_us', ROOM_C.room_id)).toContain('🟢 Free for the rest of the day');
  });

  it('says nothing of a room Feishu gave no answer for, or whose details are missing (it might be disabled)', () => {
    const card = buildLookupCard(
      withAvailability(
        { [ROOM_A.room_id]: [busyNow], [ROOM_B.room_id]: [] },
        {
          details: new Map([
            [ROOM_A.room_id, ROOM_A],
            [ROOM_B.room_id, ROOM_B],
          ]),
        },
      ),
    );
    expect(roomBlock(card, 'en_us', ROOM_C.room_id)).not.toMatch(/🟢|🔴/);
    expect(roomBlock(card, 'en_us', ROOM_A.room_id)).toContain('Busy until 11:00');
    const noDetails = buildLookupCard(
      withAvailability({ [ROOM_A.room_id]: [busyNow] }, { details: undefined, detailsUnavailable: true }),
    );
    expect(textsFor(noDetails, 'en_us')).not.toMatch(/Free|Busy until|as of/);
  });

  it('when free/busy cannot be loaded, says so in one line and still shows IDs and details', () => {
    const card = buildLookupCard(withAvailability(undefined));
    const en = textsFor(card, 'en_us');
    expect(en).toContain('`test01` → `omm_4de32cf10a4358788ff4e09e37ebbf9b`');
    expect(en).toContain('Everest 301');
    expect(en.match(/Free\/busy could not be loaded right now/g)).toHaveLength(1);
    expect(textsFor(card, 'zh_cn')).toContain('暂时无法获取会议室的空闲状态');
    expect(en).not.toMatch(/Busy until|Free until|as of/);
  });

  it('a card without found rooms says nothing about availability', () => {
    const card = buildLookupCard(withAvailability(undefined, { requested: ['missing01'], found: new Map() }));
    expect(textsFor(card, 'en_us')).not.toMatch(/Free\/busy/);
  });
});

describe('buildLookupCard stays under the size budget', () => {
  const MAX = 100;
  const longText = (unit: string, length: number) => unit.repeat(length);

  function allFound(ids: string[], withDetails: boolean): LookupCardInput {
    const found = new Map(ids.map((id, i) => [id, `omm_${String(i).padStart(32, '0')}`]));
    const details = new Map(
      [...found.values()].map((roomId, i) => [
        roomId,
        {
          room_id: roomId,
          name: longText('会', 200),
          capacity: 1000 + i,
          building_name: longText('楼', 100),
          floor_name: longText('层', 50),
          description: longText('描述', 1000),
          is_disabled: i % 2 === 0,
        } satisfies RoomDetails,
      ]),
    );
    return {
      requested: ids,
      found,
      details: withDetails ? details : undefined,
      refresh: { value: { action: 'refresh', ids } },
    };
  }

  /** Every room busy now, booked by someone with a long name (the longest line availability can make). */
  function withBusyRooms(input: LookupCardInput, organizer = longText('预', 200)): LookupCardInput {
    const now = Date.parse('2025-03-10T10:00:00+08:00');
    const instance: FreeBusyInstance = {
      start_time: '2025-03-10T09:00:00+08:00',
      end_time: '2025-03-10T11:00:00+08:00',
      organizer_info: { name: organizer },
    };
    const bookings = new Map([...input.found.values()].map((roomId) => [roomId, [instance]]));
    return { ...input, availability: { window: restOfDay(now, 'Asia/Shanghai'), timeZone: 'Asia/Shanghai', bookings } };
  }

  const idsOf = (unit: string) =>
    Array.from({ length: MAX }, (_, i) => `${longText(unit, 61)}${String(i).padStart(3, '0')}`);

  const worstCases: [string, LookupCardInput][] = [
    ['100 × 64 ASCII IDs, all found, long details', allFound(idsOf('x'), true)],
    ['100 × 64 four-byte IDs, all found, long details', allFound(idsOf('🏢'), true)],
    ['100 × 64 CJK IDs, all found, long details', allFound(idsOf('会'), true)],
    ['100 × 64 markup IDs (escaped, 5 bytes each), all found', allFound(idsOf('<'), true)],
    ['100 × 64 quote IDs (escaped twice in JSON), all found', allFound(idsOf('"'), true)],
    [
      '100 × 64 four-byte IDs, none found',
      { requested: idsOf('🏢'), found: new Map(), refresh: { value: { ids: idsOf('🏢') } } },
    ],
    [
      '100 × 64 four-byte IDs, half found, details unavailable',
      { ...allFound(idsOf('🏢').slice(0, 50), false), requested: idsOf('🏢'), detailsUnavailable: true },
    ],
  ];

  worstCases.push(
    [
      '100 × 64 four-byte IDs, all found, long details, all busy with long organizer names',
      withBusyRooms(allFound(idsOf('🏢'), true)),
    ],
    [
      '100 × 64 markup IDs, all found, all busy, markup organizer names',
      withBusyRooms(allFound(idsOf('<'), true), longText('<', 100)),
    ],
  );

  it.each(worstCases)('%s', (_name, input) => {
    const card = buildLookupCard(input);
    expectWithinBudget(card);
    expectCompleteI18n(card);
    const found = [...new Set(input.requested)].filter((id) => input.found.has(id)).length;
    for (const locale of LOCALES) {
      const rendered = renderCardAsText(card, locale);
      const shownMappings = (rendered.match(/ → /g) ?? []).length - 1; // minus the heading's arrow
      if (found > 0) {
        expect(shownMappings).toBeGreaterThan(0);
        const more = /(?:and|另有) \*\*(\d+)\*\* (?:more|个)/.exec(rendered);
        expect(shownMappings + (more ? Number(more[1]) : 0)).toBe(found);
      }
    }
  });

  it('shows every mapping (details dropped) for 100 realistic IDs with details', () => {
    const ids = Array.from({ length: MAX }, (_, i) => `BJ-A-${String(i).padStart(4, '0')}`);
    const card = buildLookupCard(allFound(ids, true));
    expectWithinBudget(card);
    const en = textsFor(card, 'en_us');
    for (const id of ids) expect(en).toContain(`\`${id}\` → `);
    expect(en).not.toContain('more not listed');
    expect(buttons(card)).toHaveLength(1);
  });

  it('keeps every mapping and the free/busy of each room (names dropped first) for 100 realistic rooms, all busy', () => {
    const ids = Array.from({ length: MAX }, (_, i) => `BJ-A-${String(i).padStart(4, '0')}`);
    const input = allFound(ids, true);
    const inUse = new Map([...input.details!].map(([roomId, room]) => [roomId, { ...room, is_disabled: false }]));
    const card = buildLookupCard(withBusyRooms({ ...input, details: inUse }, 'Alexandra Konstantinopoulou'));
    expectWithinBudget(card);
    expectCompleteI18n(card);
    const en = textsFor(card, 'en_us');
    const zh = textsFor(card, 'zh_cn');
    for (const id of ids) expect(en).toMatch(new RegExp(`\`${id}\` → \`omm_\\d{32}\` · 🔴 Busy until 11:00`));
    expect(en).not.toContain('more not listed');
    expect(zh.match(/🔴 忙至 11:00/g)).toHaveLength(MAX);
    expect(en).toContain('Free/busy as of 10:00');
  });

  it('keeps the Refresh button for 100 × 64 ASCII IDs', () => {
    const card = buildLookupCard(allFound(idsOf('x'), false));
    expect(buttons(card)).toHaveLength(1);
    expectWithinBudget(card);
  });

  it('keeps full details for a handful of rooms', () => {
    const ids = ['a', 'b', 'c'];
    const card = buildLookupCard(allFound(ids, true));
    expect(textsFor(card, 'en_us')).toContain('Description: 描述');
    expectWithinBudget(card);
  });
});

describe('buildHelpCard', () => {
  it('explains usage with examples, separators, group @mention, limits and scopes in both languages', () => {
    const card = buildHelpCard({ limits: { maxIds: 42, maxIdLength: 17 } });
    expectCompleteI18n(card);
    const en = textsFor(card, 'en_us');
    const zh = textsFor(card, 'zh_cn');
    for (const text of [en, zh]) {
      expect(text).toContain('/room test01 test02');
      expect(text).toContain('/room test01,test02');
      expect(text).toContain('42');
      expect(text).toContain('17');
      expect(text).toContain('calendar:room:readonly');
      expect(text).toContain('im:message');
      expect(text).toContain('im:message:send_as_bot');
    }
    expect(en).toContain('@mention the bot first');
    expect(zh).toContain('请先 @ 机器人');
  });

  it('uses the default limits', () => {
    const en = textsFor(buildHelpCard({ limits: CONFIGURED_LIMITS }), 'en_us');
    expect(en).toContain('Up to 100 IDs');
    expect(en).toContain('at most 64 characters');
  });

  it('in a group shows the group form, @mentioning the bot by its name; the one-to-one form says how groups work', () => {
    const group = buildHelpCard({ limits: CONFIGURED_LIMITS, chatType: 'group', botName: 'RoomBot' });
    expectCompleteI18n(group);
    for (const locale of ['en_us', 'zh_cn'] as const) {
      const text = textsFor(group, locale);
      expect(text).toContain('`@RoomBot /room test01 test02`');
      expect(text).toContain('`@RoomBot /room test01,test02`');
      expect(text).toContain('`@RoomBot test01`');
    }
    const p2p = textsFor(buildHelpCard({ limits: CONFIGURED_LIMITS, chatType: 'p2p', botName: 'RoomBot' }), 'en_us');
    expect(p2p).toContain('`/room test01 test02`');
    expect(p2p).toContain('`@RoomBot /room test01`');
    expect(p2p).toContain('The IDs alone work too: `test01 test02`');
  });

  it('names the bot generically when its name is unknown or unsafe in inline code', () => {
    expect(textsFor(buildHelpCard({ limits: CONFIGURED_LIMITS, chatType: 'group' }), 'en_us')).toContain(
      '`@bot /room test01 test02`',
    );
    expect(textsFor(buildHelpCard({ limits: CONFIGURED_LIMITS, chatType: 'group' }), 'zh_cn')).toContain(
      '`@机器人 /room test01 test02`',
    );
    expect(
      textsFor(buildHelpCard({ limits: CONFIGURED_LIMITS, chatType: 'group', botName: 'a`b <at id=all>' }), 'en_us'),
    ).toContain('`@bot /room test01 test02`');
    expect(
      textsFor(buildHelpCard({ limits: CONFIGURED_LIMITS, chatType: 'group', botName: ' Room\nBot\u200b ' }), 'en_us'),
    ).toContain('`@Room Bot /room test01 test02`');
    expect(
      textsFor(buildHelpCard({ limits: CONFIGURED_LIMITS, chatType: 'group', botName: 'x'.repeat(80) }), 'en_us'),
    ).toContain(`\`@${'x'.repeat(30)}… /room`);
  });

  it('says it only understands /room when the message was not a command', () => {
    expect(textsFor(buildHelpCard({ limits: CONFIGURED_LIMITS, reason: 'not_a_command' }), 'en_us')).toContain(
      'I only understand',
    );
    expect(textsFor(buildHelpCard({ limits: CONFIGURED_LIMITS, reason: 'requested' }), 'en_us')).not.toContain(
      'I only understand',
    );
  });
});

describe('buildErrorCard', () => {
  const cases: [ErrorCardInput, string[], string[]][] = [
    [
      { problem: 'permission' },
      ['calendar:room:readonly', 'im:message:send_as_bot', 'developer console'],
      ['calendar:room:readonly', '开发者后台'],
    ],
    [
      { problem: 'permission', scope: 'calendar:room:readonly' },
      ['`calendar:room:readonly`', 'Ask the app admin'],
      ['`calendar:room:readonly`', '应用管理员'],
    ],
    [{ problem: 'rate_limited' }, ['try again in a moment'], ['稍等片刻']],
    [{ problem: 'unavailable' }, ['try again later'], ['稍后再试']],
    [{ problem: 'too_many_ids', count: 150, max: 100 }, ['150', 'at most 100'], ['150', '最多 100']],
    [
      { problem: 'invalid_id', id: 'ab\u200bc', reason: 'control_characters', max: 64 },
      ['`ab\ufffdc`', 'invisible'],
      ['`ab\ufffdc`', '不可见字符'],
    ],
    [
      { problem: 'invalid_id', id: `${'x'.repeat(24)}…`, reason: 'too_long', max: 64 },
      ['too long', '64 characters'],
      ['太长', '64'],
    ],
    [
      { problem: 'internal', reference: 'om_abc123' },
      ['Something went wrong', '`om_abc123`'],
      ['出了点问题', '`om_abc123`'],
    ],
  ];

  it.each(cases)('%j reads plainly in both languages', (input, en, zh) => {
    const card = buildErrorCard(input);
    expectCompleteI18n(card);
    const texts = { en_us: textsFor(card, 'en_us'), zh_cn: textsFor(card, 'zh_cn') };
    for (const part of en) expect(texts.en_us).toContain(part);
    for (const part of zh) expect(texts.zh_cn).toContain(part);
    expectWithinBudget(card);
  });

  it('accepts an invalid Command from the parser as it is', () => {
    const command = parseCommand(
      { chat_type: 'p2p', message_type: 'text', content: JSON.stringify({ text: `/room ${'y'.repeat(80)}` }) },
      CONFIGURED_LIMITS,
    );
    if (command.kind !== 'invalid') throw new Error('expected an invalid command');
    expect(textsFor(buildErrorCard(command), 'en_us')).toContain(`\`${'y'.repeat(24)}…\``);
  });

  it('shows only well-formed scopes and references, never arbitrary text', () => {
    const permission = textsFor(buildErrorCard({ problem: 'permission', scope: 'token=s3cret <at id=all>' }), 'en_us');
    expect(permission).not.toContain('s3cret');
    expect(permission).toContain('calendar:room:readonly');
    const internal = textsFor(
      buildErrorCard({ problem: 'internal', reference: 'Error: secret stack\n at x' }),
      'en_us',
    );
    expect(internal).not.toContain('secret');
    expect(internal).not.toContain('Reference');
  });

  it('escapes an invalid ID that holds markup', () => {
    const text = textsFor(
      buildErrorCard({ problem: 'invalid_id', id: '<at id=all>', reason: 'too_long', max: 64 }),
      'zh_cn',
    );
    expect(text).not.toContain('<at');
  });
});
