// Properties of parseCommand over generated messages (fast-check): it never throws, its output keeps the
// limits whatever comes in, and it relates inputs to outputs as a reader of the command would expect.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommand, type Command, type CommandLimits, type IncomingMessage } from '../../src/bot/command.js';
import { CONFIGURED_LIMITS } from '../helpers/configured.js';

const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}]/u;
const SEPARATOR = /[\s,，、;；]/u;
/** What a room ID typed without /room must look like (letters, digits, "-_./" but not "/" first, a digit somewhere). */
const ROOM_ID_SHAPE = /^[\p{L}\p{M}\p{Nd}\-_.][\p{L}\p{M}\p{Nd}\-_./]*$/u;
const DIGIT = /\p{Nd}/u;
const HELP_WORDS = new Set(['help', '-h', '--help', '帮助', '?']);
const HELP_REASONS = new Set([
  'requested',
  'no_ids',
  'not_a_command',
  'unsupported_message_type',
  'unreadable_content',
]);
const IGNORE_REASONS = new Set(['not_a_command', 'unsupported_message_type', 'unreadable_content']);

const codePoints = (text: string) => [...text].length;
const BOT_KEY = '@_user_1';
const textMessage = (text: string, chatType = 'p2p', mentions?: IncomingMessage['mentions']): IncomingMessage => ({
  chat_type: chatType,
  message_type: 'text',
  content: JSON.stringify({ text }),
  mentions,
});

/** What every Command must be, whatever the message was; `addressed` as parseCommand took it. */
function expectWithinLimits(command: Command, limits: CommandLimits, addressed: boolean): void {
  expect(JSON.parse(JSON.stringify(command))).toEqual(command); // plain data, for a durable job record
  if (addressed) expect(command.kind).not.toBe('ignore');
  switch (command.kind) {
    case 'lookup':
      expect(command.ids.length).toBeGreaterThan(0);
      expect(command.ids.length).toBeLessThanOrEqual(limits.maxIds);
      expect(new Set(command.ids).size).toBe(command.ids.length);
      for (const id of command.ids) {
        expect(id).not.toBe('');
        expect(codePoints(id)).toBeLessThanOrEqual(limits.maxIdLength);
        expect(id).not.toMatch(INVISIBLE);
        expect(id).not.toMatch(SEPARATOR);
        if (command.implicit) expect(ROOM_ID_SHAPE.test(id) && DIGIT.test(id), id).toBe(true); // only IDs without /room
      }
      if (command.implicit) expect(addressed).toBe(true);
      return;
    case 'help':
      expect(HELP_REASONS.has(command.reason)).toBe(true);
      if (!addressed) expect(['requested', 'no_ids']).toContain(command.reason); // unaddressed, only commands are heard
      return;
    case 'ignore':
      expect(IGNORE_REASONS.has(command.reason)).toBe(true);
      return;
    case 'invalid':
      if (command.problem === 'too_many_ids') {
        expect(command.max).toBe(limits.maxIds);
        expect(command.count).toBeGreaterThan(limits.maxIds);
      } else if (command.problem === 'invalid_id') {
        expect(command.max).toBe(limits.maxIdLength);
        expect(['control_characters', 'too_long']).toContain(command.reason);
        expect(codePoints(command.id.replace(/…$/u, ''))).toBeLessThanOrEqual(24);
        expect(command.id).not.toMatch(INVISIBLE);
      }
      return;
    default:
      throw new Error(`unknown kind in ${JSON.stringify(command)}`);
  }
}

// ── Generators ─────────────────────────────────────────────────────────────────────────────────────────

const limits = fc.record({ maxIds: fc.integer({ min: 1, max: 8 }), maxIdLength: fc.integer({ min: 1, max: 12 }) });
/** Pieces that steer text into every branch of the parser. */
const piece = fc.constantFrom(
  ...[
    '/room',
    '/ROOM',
    '／ｒｏｏｍ',
    '/roomx',
    'room',
    '/',
    ' ',
    '  ',
    '\u3000',
    '\u00a0',
    '\n',
    '\t',
    ',',
    '，',
    '、',
    ';',
    '；',
  ],
  ...['a', 'b', 'B', '会', '🏢', '0', 'help', '-h', '帮助', '?', '\ufdfa', 'x'.repeat(13)],
  ...['@_user_1', '@_user_2', '@_user_10', '@_all', '@_user_', '@_bot_x', '@'],
  ...['[', ']', '(', ')', '](', 'http://x', '[a](http://x)', '[b c](https://y)', '[z](mailto:z)', '[/room](http://r)'],
  ...['\u200b', '\u0001', '\ufeff', '\ud800', '\udc00', '"', '\\'],
);
const hostileText = fc.string({
  unit: fc.oneof(
    { weight: 4, arbitrary: piece },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
  ),
  maxLength: 40,
});
const anyMentions = fc.oneof(
  fc.constant(undefined),
  fc.array(
    fc.record({
      key: fc.oneof(fc.constantFrom('@_user_1', '@_user_10', '@_all', '@_bot_x', '', '/room', ',', '['), fc.string()),
      name: fc.string(),
    }),
    { maxLength: 4 },
  ),
  fc.anything(),
);
const postOf = (paragraphs: fc.Arbitrary<unknown>) =>
  paragraphs.map((content) => JSON.stringify({ title: 'x', content }));
const anyContent = fc.oneof(
  hostileText.map((text) => JSON.stringify({ text })),
  postOf(
    fc.array(
      fc.array(
        fc.oneof(
          hostileText.map((text) => ({ tag: 'text', text })),
          fc.jsonValue({ maxDepth: 2 }),
        ),
        { maxLength: 4 },
      ),
      { maxLength: 4 },
    ),
  ),
  fc.json(),
  fc.string({ unit: 'binary' }),
  fc.anything(), // not even a string: TypeScript's promise broken at run time
);
const anyMessage = fc.record({
  chat_type: fc.oneof(fc.constantFrom('p2p', 'group', 'topic'), fc.string()),
  message_type: fc.oneof(fc.constantFrom('text', 'post', 'image'), fc.string()),
  content: anyContent,
  mentions: anyMentions,
}) as fc.Arbitrary<IncomingMessage>;

/** An ID as typed: no separators, mentions, link brackets or invisible characters. */
const idCharacter = fc.oneof(
  fc.constantFrom(...'abcxyzABCXYZ0129-_./#:会议室北区ＡＢ', '🏢', '\u00e9'),
  fc
    .string({ unit: 'grapheme-composite', minLength: 1, maxLength: 1 })
    .filter((char) => !SEPARATOR.test(char) && !INVISIBLE.test(char) && !'@[]'.includes(char)),
);
const id = fc.string({ unit: idCharacter, minLength: 1, maxLength: 14 });
const separatorRun = fc.string({
  unit: fc.constantFrom(' ', '\u3000', '\u00a0', '\u2003', '\n', '\t', ',', '，', '、', ';', '；'),
  minLength: 1,
  maxLength: 3,
});
const leadingSpace = fc.string({ unit: fc.constantFrom(' ', '\u3000', '\t', '\n'), maxLength: 2 });
/** "/room" as one may type it: any case, each character half- or full-width. */
const commandWord = fc
  .tuple(
    fc.constantFrom('/', '／'),
    ...[...'room'].map((letter) =>
      fc.constantFrom(
        letter,
        letter.toUpperCase(),
        String.fromCharCode(letter.charCodeAt(0) + 0xfee0),
        String.fromCharCode(letter.toUpperCase().charCodeAt(0) + 0xfee0),
      ),
    ),
  )
  .map((chars) => chars.join(''));

/** IDs drawn from a few, so that some repeat. */
const ids = fc
  .array(id, { minLength: 1, maxLength: 8 })
  .chain((few) => fc.array(fc.constantFrom(...few), { maxLength: 10 }));
/** `/room` + ids joined by separators. */
const command = fc.record({
  word: commandWord,
  lead: leadingSpace,
  ids,
  separators: fc.array(separatorRun, { minLength: 11, maxLength: 11 }),
});
const commandText = (
  { word, lead, ids, separators }: { word: string; lead: string; ids: string[]; separators: string[] },
  idText: (id: string) => string = (id) => id,
) => `${lead}${word}${ids.map((typed, i) => `${separators[i]}${idText(typed)}`).join('')}${separators[10]}`;

/** What the command means, per the rules: help first, then the number of IDs, then each ID. */
function expected(ids: string[], { maxIds, maxIdLength }: CommandLimits): Command {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return { kind: 'help', reason: 'no_ids' };
  if (HELP_WORDS.has(unique[0]!.normalize('NFKC').toLowerCase())) return { kind: 'help', reason: 'requested' };
  if (unique.length > maxIds) return { kind: 'invalid', problem: 'too_many_ids', count: unique.length, max: maxIds };
  const long = unique.find((typed) => codePoints(typed) > maxIdLength);
  if (long !== undefined)
    return {
      kind: 'invalid',
      problem: 'invalid_id',
      id: codePoints(long) > 24 ? `${[...long].slice(0, 24).join('')}…` : long,
      reason: 'too_long',
      max: maxIdLength,
    };
  return { kind: 'lookup', ids: unique };
}

// ── Properties ─────────────────────────────────────────────────────────────────────────────────────────

describe('parseCommand (properties)', () => {
  it('never throws, and keeps the limits, for any message, addressed or not', () => {
    fc.assert(
      fc.property(anyMessage, limits, fc.boolean(), (message, limit, addressed) => {
        expectWithinLimits(parseCommand(message, limit), limit, message.chat_type === 'p2p');
        expectWithinLimits(parseCommand(message, limit, addressed), limit, addressed);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws, and keeps the limits, for hostile text with mentions listed, addressed or not', () => {
    fc.assert(
      fc.property(
        hostileText,
        fc.constantFrom('p2p', 'group'),
        anyMentions,
        limits,
        fc.boolean(),
        (text, chatType, mentions, limit, addressed) => {
          const message = textMessage(text, chatType, mentions as IncomingMessage['mentions']);
          expectWithinLimits(parseCommand(message, limit), limit, chatType === 'p2p');
          expectWithinLimits(parseCommand(message, limit, addressed), limit, addressed);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('a group message addressed to the bot reads as the same text in p2p', () => {
    const listed = [
      { key: BOT_KEY, name: 'RoomBot' },
      { key: '@_user_2', name: 'Alice' },
    ];
    fc.assert(
      fc.property(
        hostileText,
        fc.constantFrom('', `${BOT_KEY} `, `@_user_2 ${BOT_KEY} `),
        limits,
        (text, mentions, limit) => {
          expect(parseCommand(textMessage(mentions + text, 'group', listed), limit, true)).toEqual(
            parseCommand(textMessage(text, 'p2p', listed), limit),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('room IDs without /room, addressed: the same lookup as with /room when each looks like an ID, else help', () => {
    const roomId = fc.string({ unit: fc.constantFrom(...'abAB0129-_./会北ＡＢ０'), minLength: 1, maxLength: 14 });
    const typedIds = fc
      .array(roomId, { minLength: 1, maxLength: 8 })
      .chain((few) => fc.array(fc.constantFrom(...few), { minLength: 1, maxLength: 10 }));
    const typed = fc.record({
      word: fc.constant(''),
      lead: leadingSpace,
      ids: typedIds,
      separators: fc.array(separatorRun, { minLength: 11, maxLength: 11 }),
    });
    fc.assert(
      fc.property(typed, limits, (typing, limit) => {
        const unique = [...new Set(typing.ids)];
        const command = parseCommand(
          textMessage(`${BOT_KEY} ${commandText(typing)}`, 'group', [{ key: BOT_KEY, name: 'RoomBot' }]),
          limit,
          true,
        );
        const withCommandWord = expected(typing.ids, limit);
        const allLookLikeIds = unique.every(
          (one) => ROOM_ID_SHAPE.test(one) && DIGIT.test(one) && codePoints(one) <= limit.maxIdLength,
        );
        if (allLookLikeIds && unique.length <= limit.maxIds)
          expect(command).toEqual({ ...withCommandWord, implicit: true });
        else expect(command).toEqual({ kind: 'help', reason: 'not_a_command' });
      }),
      { numRuns: 2000 },
    );
  });

  it('"/room" and IDs joined by any separators: exactly those IDs, once each, in order', () => {
    fc.assert(
      fc.property(command, limits, (typed, limit) => {
        expect(parseCommand(textMessage(commandText(typed)), limit)).toEqual(expected(typed.ids, limit));
      }),
      { numRuns: 2000 },
    );
  });

  it('the same command in a group after mentions of the bot and others', () => {
    const mentionRun = fc.array(
      fc.tuple(fc.constantFrom('@_user_1', '@_user_2', '@_user_12', '@_all', '@_bot_x'), leadingSpace),
      { minLength: 1, maxLength: 3 },
    );
    const listed = ['@_user_1', '@_user_2', '@_user_12', '@_bot_x'].map((key) => ({ key, name: key }));
    fc.assert(
      fc.property(command, mentionRun, limits, (typed, mentions, limit) => {
        const text = mentions.map(([key, space]) => key + space).join('') + commandText(typed);
        expect(parseCommand(textMessage(text, 'group', listed), limit)).toEqual(
          parseCommand(textMessage(commandText(typed)), limit),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('an ID auto-linked as [id](url) counts as the ID', () => {
    const url = fc.tuple(
      fc.constantFrom('http://', 'https://', 'mailto:'),
      fc.string({ unit: fc.constantFrom('a', '.', '/', '[', ']', '(', '@', '_'), maxLength: 8 }),
    );
    fc.assert(
      fc.property(command, url, limits, (typed, [scheme, rest], limit) => {
        const linked = commandText(typed, (one) => `[${one}](${scheme}${rest})`);
        expect(parseCommand(textMessage(linked), limit)).toEqual(parseCommand(textMessage(commandText(typed)), limit));
      }),
      { numRuns: 1000 },
    );
  });

  it('a post reads as the text it shows: paragraphs as lines, runs of a paragraph joined', () => {
    fc.assert(
      fc.property(command, fc.array(fc.nat()), limits, (typed, cuts, limit) => {
        const text = commandText(typed);
        const paragraphs = text.split('\n').map((line) => {
          const at = [...new Set(cuts.map((cut) => cut % (line.length + 1)))].sort((a, b) => a - b);
          return [0, ...at, line.length].slice(0, -1).map((start, i, starts) => ({
            tag: 'text',
            text: line.slice(start, starts[i + 1] ?? line.length),
            style: [],
          }));
        });
        const post = {
          chat_type: 'p2p',
          message_type: 'post',
          content: JSON.stringify({ title: '', content: paragraphs }),
        };
        expect(parseCommand(post, limit)).toEqual(parseCommand(textMessage(text), limit));
      }),
      { numRuns: 1000 },
    );
  });

  it('a text that does not start with "/room" is ignored unless addressed (in groups without a mention of the bot)', () => {
    const notCommand = fc
      .tuple(
        leadingSpace,
        id,
        fc.oneof(
          fc.constant(''),
          separatorRun.chain((run) => hostileText.map((rest) => run + rest)),
        ),
      )
      .filter(([, first]) => first.normalize('NFKC').toLowerCase() !== '/room');
    fc.assert(
      fc.property(notCommand, limits, ([lead, first, rest], limit) => {
        const text = lead + first + rest;
        expect(parseCommand(textMessage(text, 'group'), limit)).toEqual({ kind: 'ignore', reason: 'not_a_command' });
        expect(parseCommand(textMessage(text, 'group'), limit, false)).toEqual({
          kind: 'ignore',
          reason: 'not_a_command',
        });
        expect(parseCommand(textMessage(text, 'p2p'), limit)).toEqual(previousParse(text, 'p2p', [], limit));
      }),
      { numRuns: 1000 },
    );
  });
});

/**
 * The parser this one replaced (regular expressions over the whole text, quadratic on "[" floods), kept as the
 * reference for text messages: on short texts both must agree. By design they differ where the old one cut a
 * listed mention short: with "@_user_1" listed, it read "@_user_10" as a mention and "0" (so the mentions listed
 * below are not of that shape; the text still has unlisted ones). Extended with what came later: an addressed
 * text that is not `/room …` is a lookup when every word looks like a room ID (implicitLookup).
 */
function previousParse(
  text: string,
  chatType: string,
  mentions: readonly { key: string }[],
  { maxIds, maxIdLength }: CommandLimits,
  addressed = chatType === 'p2p',
): Command {
  const space = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
  const separators = new RegExp(`[${space},，、;；]+`, 'u');
  const fold = (word: string) => word.normalize('NFKC').toLowerCase();
  let stripped = text.replace(/\[([^\]\n]*)\]\((?:https?:\/\/|mailto:)[^)\s]*\)/g, '$1');
  for (const { key } of mentions) if (key !== '') stripped = stripped.split(key).join(' ');
  const rest = stripped.replace(/@_user_\d+|@_all/g, ' ').replace(new RegExp(`^[${space}]+`, 'u'), '');
  const match = separators.exec(rest);
  const word = match === null ? rest : rest.slice(0, match.index);
  if (fold(word) !== '/room')
    return addressed
      ? implicitLookup(rest.split(separators), { maxIds, maxIdLength })
      : { kind: 'ignore', reason: 'not_a_command' };
  const ids = [
    ...new Set(
      rest
        .slice(word.length)
        .split(separators)
        .filter((part) => part !== ''),
    ),
  ];
  if (ids.length === 0) return { kind: 'help', reason: 'no_ids' };
  if (HELP_WORDS.has(fold(ids[0]!))) return { kind: 'help', reason: 'requested' };
  if (ids.length > maxIds) return { kind: 'invalid', problem: 'too_many_ids', count: ids.length, max: maxIds };
  for (const one of ids) {
    const reason = INVISIBLE.test(one) ? 'control_characters' : codePoints(one) > maxIdLength ? 'too_long' : undefined;
    if (reason !== undefined) {
      const shown = [...one.replace(/[\p{Cc}\p{Cf}\p{Cs}]/gu, '\ufffd')];
      return {
        kind: 'invalid',
        problem: 'invalid_id',
        id: shown.length > 24 ? `${shown.slice(0, 24).join('')}…` : shown.join(''),
        reason,
        max: maxIdLength,
      };
    }
  }
  return { kind: 'lookup', ids };
}

/** Words of an addressed text without /room: the first a help word → help; all like room IDs within the limits → lookup. */
function implicitLookup(parts: string[], { maxIds, maxIdLength }: CommandLimits): Command {
  const words = parts.filter((part) => part !== '');
  if (words.length > 0 && HELP_WORDS.has(words[0]!.normalize('NFKC').toLowerCase()))
    return { kind: 'help', reason: 'requested' };
  const ids = [...new Set(words)];
  const fit =
    ids.length > 0 &&
    ids.length <= maxIds &&
    ids.every((one) => ROOM_ID_SHAPE.test(one) && DIGIT.test(one) && codePoints(one) <= maxIdLength);
  return fit ? { kind: 'lookup', ids, implicit: true } : { kind: 'help', reason: 'not_a_command' };
}

describe('parseCommand agrees with the parser it replaced', () => {
  it('on short hostile texts, in p2p and groups, addressed or not, with mentions listed', () => {
    const listed = fc.subarray(['@_all', '@_bot_x'].map((key) => ({ key, name: key })));
    fc.assert(
      fc.property(
        hostileText,
        fc.constantFrom('p2p', 'group'),
        listed,
        limits,
        fc.boolean(),
        (text, chatType, mentions, limit, addressed) => {
          expect(parseCommand(textMessage(text, chatType, mentions), limit)).toEqual(
            previousParse(text, chatType, mentions, limit),
          );
          expect(parseCommand(textMessage(text, chatType, mentions), limit, addressed)).toEqual(
            previousParse(text, chatType, mentions, limit, addressed),
          );
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('on room IDs without /room, addressed', () => {
    const word = fc.string({
      unit: fc.constantFrom(...'ab0１-_./会?', ' ', ',', '@_user_1', '[a1](http://x)', '/room', 'help'),
      maxLength: 12,
    });
    fc.assert(
      fc.property(word, limits, (text, limit) => {
        expect(parseCommand(textMessage(text, 'group'), limit, true)).toEqual(
          previousParse(text, 'group', [], limit, true),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('except that the longest mention wins', () => {
    const mentions = Array.from({ length: 10 }, (_, i) => ({ key: `@_user_${i + 1}`, name: `user ${i + 1}` }));
    const text = '@_user_1 @_user_10 /room a';
    expect(previousParse(text, 'group', mentions, { maxIds: 100, maxIdLength: 64 })).toEqual({
      kind: 'ignore',
      reason: 'not_a_command',
    });
    expect(parseCommand(textMessage(text, 'group', mentions), CONFIGURED_LIMITS)).toEqual({
      kind: 'lookup',
      ids: ['a'],
    });
  });
});
