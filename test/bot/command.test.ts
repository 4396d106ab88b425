import { describe, expect, it } from 'vitest';
import { displayId, parseCommand, type Command, type IncomingMessage } from '../../src/bot/command.js';
import { CONFIGURED_LIMITS } from '../helpers/configured.js';

function textMessage(text: string, chatType = 'p2p', mentions?: IncomingMessage['mentions']): IncomingMessage {
  return { chat_type: chatType, message_type: 'text', content: JSON.stringify({ text }), mentions };
}

function postMessage(body: unknown, chatType = 'p2p'): IncomingMessage {
  return { chat_type: chatType, message_type: 'post', content: JSON.stringify(body) };
}

const BOT_MENTION = [{ key: '@_user_1', name: 'Room Bot' }];

describe('parseCommand: text messages', () => {
  const lookups: [string, string, string[]][] = [
    ['plain p2p command', '/room test01 test02', ['test01', 'test02']],
    ['upper case command', '/ROOM test01', ['test01']],
    ['mixed case command', '/Room test01', ['test01']],
    ['full-width slash', '／room test01', ['test01']],
    ['full-width letters', '／ＲＯＯＭ test01', ['test01']],
    ['leading spaces', '   /room a', ['a']],
    ['leading ideographic space', '\u3000/room a', ['a']],
    ['mention placeholder in the middle', '/room @_user_2 a', ['a']],
    ['@all placeholder', '@_all /room a', ['a']],
    ['mention placeholder glued to the command', '@_user_1/room a', ['a']],
    ['comma right after the command', '/room,a', ['a']],
    ['full-width comma right after the command', '/room，a', ['a']],
    ['ASCII separators', '/room a,b;c d\te\nf', ['a', 'b', 'c', 'd', 'e', 'f']],
    ['CJK separators', '/room a，b、c；d', ['a', 'b', 'c', 'd']],
    [
      'ideographic space, NBSP and other Unicode spaces',
      '/room a\u3000b\u00a0c\u2003d\u202fe\u2028f',
      ['a', 'b', 'c', 'd', 'e', 'f'],
    ],
    ['runs of separators and empties', '/room ,, a ,，、; b ;；\n\n', ['a', 'b']],
    ['duplicates keep first-seen order', '/room b a b c a', ['b', 'a', 'c']],
    [
      'IDs kept as typed (case, full-width, punctuation)',
      '/room Test01 ＡＢＣ 3F-北区/01 a.b_c',
      ['Test01', 'ＡＢＣ', '3F-北区/01', 'a.b_c'],
    ],
    ['case-distinct IDs are distinct', '/room abc ABC', ['abc', 'ABC']],
    ['auto-linked ID unwrapped', '/room [room.cn](http://room.cn) b', ['room.cn', 'b']],
    ['"help" later in the list is an ID', '/room test01 help', ['test01', 'help']],
    ['emoji and CJK IDs', '/room 会议室A 🏢1', ['会议室A', '🏢1']],
  ];
  it.each(lookups)('%s', (_name, text, ids) => {
    expect(parseCommand(textMessage(text), CONFIGURED_LIMITS)).toEqual({ kind: 'lookup', ids });
  });

  it('group: a command after the bot mention is looked up', () => {
    expect(parseCommand(textMessage('@_user_1 /room test01 test02', 'group', BOT_MENTION), CONFIGURED_LIMITS)).toEqual({
      kind: 'lookup',
      ids: ['test01', 'test02'],
    });
  });

  it('group: mention keys listed in mentions are stripped even without the @_user_N shape', () => {
    const mentions = [{ key: '@_bot_x', name: 'bot' }];
    expect(parseCommand(textMessage('@_bot_x /room a', 'group', mentions), CONFIGURED_LIMITS)).toEqual({
      kind: 'lookup',
      ids: ['a'],
    });
  });

  it('group: the longest mention wins ("@_user_10" is not "@_user_1" and "0")', () => {
    const mentions = Array.from({ length: 12 }, (_, i) => ({ key: `@_user_${i + 1}`, name: `user ${i + 1}` }));
    expect(parseCommand(textMessage('@_user_1 @_user_10 /room a', 'group', mentions), CONFIGURED_LIMITS)).toEqual({
      kind: 'lookup',
      ids: ['a'],
    });
    expect(
      parseCommand(textMessage('@_user_12 /room a', 'group', [{ key: '@_user', name: 'odd key' }]), CONFIGURED_LIMITS),
    ).toEqual({ kind: 'lookup', ids: ['a'] });
  });

  const links: [string, string, string[]][] = [
    ['a link inside a word joins it', '/room x[a](http://y)z', ['xaz']],
    ['several links and separators inside link text', '/room [a b](https://y)[c](mailto:z),d', ['a', 'bc', 'd']],
    ['a link holding the command word', '[/room](http://r) a', ['a']],
    ['link text with a line break is no link', '/room [a\nb](http://x)', ['[a', 'b](http://x)']],
    ['a URL with a space is no link', '/room [a](http://x y)', ['[a](http://x', 'y)']],
    ['an unknown scheme is no link', '/room [a](ftp://x)', ['[a](ftp://x)']],
    ['brackets inside link text are text', '/room [[a](http://x)', ['[a']],
    ['a mention inside link text is a mention', '/room [@_user_2](http://x) b', ['b']],
  ];
  it.each(links)('links: %s', (_name, text, ids) => {
    expect(parseCommand(textMessage(text), CONFIGURED_LIMITS)).toEqual({ kind: 'lookup', ids });
  });

  it('separates IDs at exactly JS whitespace (but U+FEFF) and list punctuation, for every UTF-16 code unit', () => {
    const invisible = /[\p{Cc}\p{Cf}\p{Cs}]/u;
    for (let code = 0; code <= 0xffff; code += 1) {
      const char = String.fromCharCode(code);
      const command = parseCommand(textMessage(`/room a${char}b`), CONFIGURED_LIMITS);
      if ((/\s/.test(char) && char !== '\ufeff') || ',，、;；'.includes(char))
        expect(command, `U+${code.toString(16)}`).toEqual({ kind: 'lookup', ids: ['a', 'b'] });
      else if (invisible.test(char))
        expect(command, `U+${code.toString(16)}`).toMatchObject({ kind: 'invalid', reason: 'control_characters' });
      else if (command.kind !== 'lookup' || command.ids.join() !== `a${char}b`)
        expect.fail(`U+${code.toString(16)}: ${JSON.stringify(command)}`);
    }
  });

  const helps: [string, string, Command][] = [
    ['command alone', '/room', { kind: 'help', reason: 'no_ids' }],
    ['command with only separators', '/room , ；', { kind: 'help', reason: 'no_ids' }],
    ['command with only a mention', '/room @_user_1', { kind: 'help', reason: 'no_ids' }],
    ['help', '/room help', { kind: 'help', reason: 'requested' }],
    ['HELP', '/room HELP', { kind: 'help', reason: 'requested' }],
    ['full-width help', '/room ｈｅｌｐ', { kind: 'help', reason: 'requested' }],
    ['-h', '/room -h', { kind: 'help', reason: 'requested' }],
    ['--help', '/room --help', { kind: 'help', reason: 'requested' }],
    ['帮助', '/room 帮助', { kind: 'help', reason: 'requested' }],
    ['help followed by IDs', '/room help test01', { kind: 'help', reason: 'requested' }],
  ];
  it.each(helps)('help: %s (p2p and group)', (_name, text, command) => {
    expect(parseCommand(textMessage(text), CONFIGURED_LIMITS)).toEqual(command);
    expect(parseCommand(textMessage(`@_user_1 ${text}`, 'group', BOT_MENTION), CONFIGURED_LIMITS)).toEqual(command);
  });

  const notCommands: [string, string][] = [
    ['chatter', 'hello everyone'],
    ['command word with a suffix', '/roomfoo a'],
    ['command word with a letter suffix, full-width', '／ｒｏｏｍｓ a'],
    ['command not at the start', 'please /room a'],
    ['other slash command', '/rooms a'],
    ['no slash', 'room a'],
    ['empty text', ''],
    ['only a mention', '@_user_1'],
  ];
  it.each(notCommands)('not a command: %s → help in p2p, ignored in groups', (_name, text) => {
    expect(parseCommand(textMessage(text), CONFIGURED_LIMITS)).toEqual({ kind: 'help', reason: 'not_a_command' });
    expect(parseCommand(textMessage(text, 'group', BOT_MENTION), CONFIGURED_LIMITS)).toEqual({
      kind: 'ignore',
      reason: 'not_a_command',
    });
  });
});

describe('parseCommand: addressed messages without /room', () => {
  const addressed = (text: string, limits = CONFIGURED_LIMITS) =>
    parseCommand(textMessage(`@_user_1 ${text}`, 'group', BOT_MENTION), limits, true);

  const lookups: [string, string, string[]][] = [
    ['one ID', 'test01', ['test01']],
    [
      'IDs with any separators, once each',
      'test01，test02、test01;BJ-A-0101\n3F-北区/01',
      ['test01', 'test02', 'BJ-A-0101', '3F-北区/01'],
    ],
    ['CJK letters and a digit', '深圳-1202', ['深圳-1202']],
    ['full-width digits count as digits', 'Ａ１', ['Ａ１']],
    ['digits only', '301', ['301']],
    ['an auto-linked ID', '[room.cn1](http://room.cn1)', ['room.cn1']],
    ['mentions between IDs are dropped', 'test01 @_user_2 test02', ['test01', 'test02']],
  ];
  it.each(lookups)('lookup: %s', (_name, text, ids) => {
    expect(addressed(text)).toEqual({ kind: 'lookup', ids, implicit: true });
  });

  const helps: [string, string][] = [
    ['nothing but the mention', ''],
    ['only separators', ' , ；'],
    ['a word without a digit', 'hello'],
    ['an ID and a word', 'test01 please'],
    ['a question', 'is test01 free?'],
    ['an ID with punctuation outside -_./', 'test01?'],
    ['an emoji', '🏢1'],
    ['an invisible character', 'test\u200b01'],
    ['a word longer than an ID may be', `a1${'b'.repeat(200)}`],
    ['a slash command', '/rooms1'],
  ];
  it.each(helps)('help: %s', (_name, text) => {
    expect(addressed(text)).toEqual({ kind: 'help', reason: 'not_a_command' });
  });

  it('help words ask for help; "/room" still works as a command', () => {
    expect(addressed('help')).toEqual({ kind: 'help', reason: 'requested' });
    expect(addressed('， 帮助')).toEqual({ kind: 'help', reason: 'requested' });
    expect(addressed('test01 help')).toEqual({ kind: 'help', reason: 'not_a_command' });
    expect(addressed('/room test01 help')).toEqual({ kind: 'lookup', ids: ['test01', 'help'] });
    expect(addressed('/room')).toEqual({ kind: 'help', reason: 'no_ids' });
  });

  it('within the limits only: more IDs or longer ones get the help card (with /room they get an error card)', () => {
    const limits = { maxIds: 2, maxIdLength: 6 };
    expect(addressed('a1 b2', limits)).toEqual({ kind: 'lookup', ids: ['a1', 'b2'], implicit: true });
    expect(addressed('a1 b2 a1', limits)).toEqual({ kind: 'lookup', ids: ['a1', 'b2'], implicit: true });
    expect(addressed('a1 b2 c3', limits)).toEqual({ kind: 'help', reason: 'not_a_command' });
    expect(addressed('abcdef1', limits)).toEqual({ kind: 'help', reason: 'not_a_command' });
    expect(addressed('/room a1 b2 c3', limits)).toMatchObject({ kind: 'invalid', problem: 'too_many_ids' });
  });

  it('an addressed post, an image or unreadable content: help', () => {
    const post = {
      chat_type: 'group',
      message_type: 'post',
      content: JSON.stringify({
        title: '',
        content: [
          [
            { tag: 'at', user_id: '@_user_1' },
            { tag: 'text', text: ' test01' },
          ],
          [{ tag: 'text', text: 'test02' }],
        ],
      }),
      mentions: BOT_MENTION,
    };
    expect(parseCommand(post, CONFIGURED_LIMITS, true)).toEqual({
      kind: 'lookup',
      ids: ['test01', 'test02'],
      implicit: true,
    });
    expect(parseCommand({ chat_type: 'group', message_type: 'image', content: '{}' }, CONFIGURED_LIMITS, true)).toEqual(
      { kind: 'help', reason: 'unsupported_message_type' },
    );
    expect(parseCommand({ chat_type: 'group', message_type: 'text', content: '{' }, CONFIGURED_LIMITS, true)).toEqual({
      kind: 'help',
      reason: 'unreadable_content',
    });
  });
});

describe('parseCommand: post (rich text) messages', () => {
  const at = { tag: 'at', user_id: '@_user_1', user_name: 'Room Bot', style: [] };
  const text = (value: string) => ({ tag: 'text', text: value, style: [] });

  it('reads paragraphs as lines and drops at elements (received shape)', () => {
    const body = {
      title: '',
      content: [[at, text(' /room a')], [text('b, c')], [{ tag: 'img', image_key: 'img_x' }], [text('d')]],
    };
    expect(parseCommand(postMessage(body, 'group'), CONFIGURED_LIMITS)).toEqual({
      kind: 'lookup',
      ids: ['a', 'b', 'c', 'd'],
    });
  });

  it('accepts the language-wrapped shape ({"zh_cn": {title, content}})', () => {
    const body = { zh_cn: { title: 'x', content: [[text('/room a b')]] } };
    expect(parseCommand(postMessage(body), CONFIGURED_LIMITS)).toEqual({ kind: 'lookup', ids: ['a', 'b'] });
  });

  it('joins text runs split by style inside a paragraph', () => {
    const body = { title: '', content: [[{ tag: 'text', text: '/ro', style: ['bold'] }, text('om te'), text('st01')]] };
    expect(parseCommand(postMessage(body), CONFIGURED_LIMITS)).toEqual({ kind: 'lookup', ids: ['test01'] });
  });

  it('keeps "[text](url)" as typed: posts carry links as a elements, not as text', () => {
    const body = { title: '', content: [[text('/room [a](http://x)')]] };
    expect(parseCommand(postMessage(body), CONFIGURED_LIMITS)).toEqual({ kind: 'lookup', ids: ['[a](http://x)'] });
  });

  it('takes link text as typed text', () => {
    const body = { title: '', content: [[text('/room '), { tag: 'a', href: 'http://room.cn', text: 'room.cn' }]] };
    expect(parseCommand(postMessage(body), CONFIGURED_LIMITS)).toEqual({ kind: 'lookup', ids: ['room.cn'] });
  });

  it('skips empty leading paragraphs', () => {
    const body = { title: '', content: [[], [at], [text('/room a')]] };
    expect(parseCommand(postMessage(body), CONFIGURED_LIMITS)).toEqual({ kind: 'lookup', ids: ['a'] });
  });

  it('does not read the title as the command', () => {
    const body = { title: '/room a', content: [[text('hello')]] };
    expect(parseCommand(postMessage(body), CONFIGURED_LIMITS)).toEqual({ kind: 'help', reason: 'not_a_command' });
    expect(parseCommand(postMessage(body, 'group'), CONFIGURED_LIMITS)).toEqual({
      kind: 'ignore',
      reason: 'not_a_command',
    });
  });

  it('treats a post without content paragraphs as unreadable', () => {
    expect(parseCommand(postMessage({ title: 'only a title' }), CONFIGURED_LIMITS)).toEqual({
      kind: 'help',
      reason: 'unreadable_content',
    });
  });
});

describe('parseCommand: limits', () => {
  const ids = (count: number, prefix = 'id') => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

  it('documents the defaults', () => {
    expect(CONFIGURED_LIMITS).toEqual({ maxIds: 100, maxIdLength: 64 });
  });

  it('accepts exactly maxIds IDs', () => {
    expect(parseCommand(textMessage(`/room ${ids(100).join(' ')}`), CONFIGURED_LIMITS)).toEqual({
      kind: 'lookup',
      ids: ids(100),
    });
  });

  it('rejects maxIds + 1 IDs with the count and the maximum', () => {
    expect(parseCommand(textMessage(`/room ${ids(101).join(' ')}`), CONFIGURED_LIMITS)).toEqual({
      kind: 'invalid',
      problem: 'too_many_ids',
      count: 101,
      max: 100,
    });
  });

  it('counts IDs after removing duplicates', () => {
    expect(parseCommand(textMessage(`/room ${Array(500).fill('a').join(',')}`), CONFIGURED_LIMITS)).toEqual({
      kind: 'lookup',
      ids: ['a'],
    });
  });

  it('uses the limits it is given', () => {
    const limits = { maxIds: 2, maxIdLength: 3 };
    expect(parseCommand(textMessage('/room a b c'), limits)).toMatchObject({
      problem: 'too_many_ids',
      count: 3,
      max: 2,
    });
    expect(parseCommand(textMessage('/room abcd'), limits)).toMatchObject({
      problem: 'invalid_id',
      reason: 'too_long',
      max: 3,
    });
    expect(parseCommand(textMessage('/room abc'), limits)).toEqual({ kind: 'lookup', ids: ['abc'] });
  });

  it('reports too many IDs before looking at single IDs', () => {
    const text = `/room ${ids(101).join(' ')} bad\u0001id`;
    expect(parseCommand(textMessage(text), CONFIGURED_LIMITS)).toMatchObject({ problem: 'too_many_ids', count: 102 });
  });

  it('accepts an ID of exactly maxIdLength characters, counting code points, not UTF-16 units', () => {
    const ascii = 'a'.repeat(64);
    const emoji = '🏢'.repeat(64); // 128 UTF-16 units, 64 characters
    expect(parseCommand(textMessage(`/room ${ascii} ${emoji}`), CONFIGURED_LIMITS)).toEqual({
      kind: 'lookup',
      ids: [ascii, emoji],
    });
  });

  it('rejects a longer ID, shortened for display', () => {
    const long = 'x'.repeat(65);
    const command = parseCommand(textMessage(`/room ok ${long}`), CONFIGURED_LIMITS);
    expect(command).toEqual({
      kind: 'invalid',
      problem: 'invalid_id',
      id: `${'x'.repeat(24)}…`,
      reason: 'too_long',
      max: 64,
    });
    expect(parseCommand(textMessage(`/room ${'🏢'.repeat(65)}`), CONFIGURED_LIMITS)).toMatchObject({
      problem: 'invalid_id',
      reason: 'too_long',
    });
  });

  const invisible: [string, string][] = [
    ['C0 control', '\u0001'],
    ['ESC', '\u001b'],
    ['DEL', '\u007f'],
    ['C1 control (NEL)', '\u0085'],
    ['zero-width space', '\u200b'],
    ['zero-width joiner', '\u200d'],
    ['left-to-right mark', '\u200e'],
    ['right-to-left override', '\u202e'],
    ['left-to-right embedding', '\u202a'],
    ['first strong isolate', '\u2068'],
    ['pop directional isolate', '\u2069'],
    ['byte order mark', '\ufeff'],
    ['lone surrogate', '\ud800'],
  ];
  it.each(invisible)('rejects an ID containing a %s, showing it safely', (_name, char) => {
    const command = parseCommand(textMessage(`/room good te${char}st`), CONFIGURED_LIMITS);
    expect(command).toEqual({
      kind: 'invalid',
      problem: 'invalid_id',
      id: 'te\ufffdst',
      reason: 'control_characters',
      max: 64,
    });
  });
});

describe('parseCommand: hostile messages get the answer a short one would', () => {
  const flood = (unit: string, count = 20_000) => unit.repeat(count);

  it('"[" floods: chatter, or one ID too long', () => {
    expect(parseCommand(textMessage(flood('[', 100_000), 'group'), CONFIGURED_LIMITS)).toEqual({
      kind: 'ignore',
      reason: 'not_a_command',
    });
    expect(parseCommand(textMessage(flood('[', 100_000)), CONFIGURED_LIMITS)).toEqual({
      kind: 'help',
      reason: 'not_a_command',
    });
    expect(parseCommand(textMessage(`/room ${flood('[', 100_000)}`), CONFIGURED_LIMITS)).toMatchObject({
      kind: 'invalid',
      reason: 'too_long',
      id: `${'['.repeat(24)}…`,
    });
    expect(parseCommand(textMessage(`/room ${flood('[a](http://')}`), CONFIGURED_LIMITS)).toMatchObject({
      kind: 'invalid',
      reason: 'too_long',
    });
    expect(parseCommand(textMessage(`/room ${flood('[a](http://x) ')}`), CONFIGURED_LIMITS)).toEqual({
      kind: 'lookup',
      ids: ['a'],
    });
    expect(parseCommand(textMessage(flood('](http://'), 'group'), CONFIGURED_LIMITS)).toEqual({
      kind: 'ignore',
      reason: 'not_a_command',
    });
  });

  it('a command word that NFKC would blow up 18-fold is not read past its first characters', () => {
    expect(parseCommand(textMessage(flood('\ufdfa', 50_000), 'group'), CONFIGURED_LIMITS)).toEqual({
      kind: 'ignore',
      reason: 'not_a_command',
    });
    expect(parseCommand(textMessage(`/room ${flood('\ufdfa', 50_000)}`), CONFIGURED_LIMITS)).toMatchObject({
      kind: 'invalid',
      reason: 'too_long',
    });
    expect(parseCommand(textMessage('/room \ufdfa'), CONFIGURED_LIMITS)).toEqual({ kind: 'lookup', ids: ['\ufdfa'] });
  });

  it('thousands of mentions before the command', () => {
    const mentions = Array.from({ length: 5_000 }, (_, i) => ({ key: `@_user_${i + 1}`, name: `user ${i + 1}` }));
    const text = `${mentions.map((m) => m.key).join(' ')} /room a`;
    expect(parseCommand(textMessage(text, 'group', mentions), CONFIGURED_LIMITS)).toEqual({
      kind: 'lookup',
      ids: ['a'],
    });
    expect(parseCommand(textMessage(`${text.slice(0, -8)} hello`, 'group', mentions), CONFIGURED_LIMITS)).toEqual({
      kind: 'ignore',
      reason: 'not_a_command',
    });
  });

  it('counts tens of thousands of IDs exactly, duplicates once', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `r${i}`);
    const text = `/room ${ids.join(' ')} ${ids.slice(0, 5_000).join(',')} r0 r1`;
    expect(parseCommand(textMessage(text), CONFIGURED_LIMITS)).toEqual({
      kind: 'invalid',
      problem: 'too_many_ids',
      count: 20_000,
      max: 100,
    });
  });

  it('counts IDs past the limit exactly, a linked ID as the same ID typed plainly', () => {
    const limits = { maxIds: 1, maxIdLength: 64 };
    expect(
      parseCommand(
        textMessage('/room a b [c](http://x) c d [d](http://y) [b](http://z) [e](http://z) [e](http://y)'),
        limits,
      ),
    ).toMatchObject({ count: 5 });
    const ids = Array.from({ length: 3_000 }, (_, i) => i.toString(36));
    const text = `/room ${ids.map((one, i) => (i % 3 === 0 ? `[${one}](http://x)` : one)).join(' ')} ${ids.join(' ')} ${ids.map((one) => `[${one}](http://y)`).join(' ')}`;
    expect(parseCommand(textMessage(text), limits)).toMatchObject({ count: 3_000 });
  });

  it('posts nested deeper than any Feishu sends are read as JSON.parse reads them', () => {
    const style = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    const content = `{"title":"","content":[[{"tag":"text","text":"/room a","style":${style}}]]}`;
    expect(parseCommand({ chat_type: 'p2p', message_type: 'post', content }, CONFIGURED_LIMITS)).toEqual({
      kind: 'lookup',
      ids: ['a'],
    });
    expect(
      parseCommand({ chat_type: 'group', message_type: 'post', content: content.slice(0, -3) }, CONFIGURED_LIMITS),
    ).toEqual({ kind: 'ignore', reason: 'unreadable_content' });
  });
});

describe('parseCommand: other messages', () => {
  const unreadable = ['not json', '', '{"text":5}', 'null', '[]', '"text"', '{"content":"x"}', '{"text":'];
  it.each(unreadable)('unreadable text content %j → help in p2p, ignored in groups', (content) => {
    expect(parseCommand({ chat_type: 'p2p', message_type: 'text', content }, CONFIGURED_LIMITS)).toEqual({
      kind: 'help',
      reason: 'unreadable_content',
    });
    expect(parseCommand({ chat_type: 'group', message_type: 'text', content }, CONFIGURED_LIMITS)).toEqual({
      kind: 'ignore',
      reason: 'unreadable_content',
    });
  });

  it.each(['image', 'file', 'sticker', 'audio', 'interactive', 'share_chat', ''])(
    'message type %j → help in p2p, ignored in groups',
    (type) => {
      const content = JSON.stringify({ text: '/room a' });
      expect(parseCommand({ chat_type: 'p2p', message_type: type, content }, CONFIGURED_LIMITS)).toEqual({
        kind: 'help',
        reason: 'unsupported_message_type',
      });
      expect(parseCommand({ chat_type: 'group', message_type: type, content }, CONFIGURED_LIMITS)).toEqual({
        kind: 'ignore',
        reason: 'unsupported_message_type',
      });
    },
  );

  it('treats chat types other than p2p like groups', () => {
    expect(parseCommand(textMessage('hello', 'topic'), CONFIGURED_LIMITS)).toEqual({
      kind: 'ignore',
      reason: 'not_a_command',
    });
  });
});

describe('parseCommand never throws', () => {
  // Deterministic pseudo-random generator so a failure can be reproduced.
  function generator(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648;
    };
  }
  const alphabet = [
    '/',
    'room',
    '／ｒｏｏｍ',
    ' ',
    ',',
    '，',
    '\u3000',
    '\n',
    '"',
    '{',
    '}',
    '[',
    ']',
    ':',
    '\\',
    'a',
    '会',
    '🏢',
    '\u0000',
    '\u200b',
    '\ud800',
    '@_user_1',
    'help',
    'text',
    'content',
    'tag',
  ];
  const kinds = new Set(['lookup', 'help', 'ignore', 'invalid']);

  it('on random strings, random JSON and hostile shapes', () => {
    const random = generator(42);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const randomText = () => Array.from({ length: Math.floor(random() * 40) }, () => pick(alphabet)).join('');
    const hostile: unknown[] = [
      null,
      5,
      { text: null },
      { content: [null, 5, 'x', [null, 5, { tag: 'text' }, { tag: 'text', text: 7 }, { tag: 'at' }]] },
      { zh_cn: null, en_us: { content: 'x' } },
      { content: { not: 'an array' } },
    ];
    for (let i = 0; i < 3000; i += 1) {
      const type = pick(['text', 'post', 'image', 'weird']);
      const contentChoice = random();
      const content =
        contentChoice < 0.3
          ? randomText()
          : contentChoice < 0.6
            ? JSON.stringify({ text: randomText() })
            : contentChoice < 0.8
              ? JSON.stringify({
                  title: randomText(),
                  content: [[{ tag: pick(['text', 'at', 'a']), text: randomText() }]],
                })
              : JSON.stringify(pick(hostile));
      const mentions = random() < 0.5 ? [{ key: pick(['@_user_1', '', '/room', ',']), name: 'x' }] : undefined;
      const message = { chat_type: pick(['p2p', 'group', '']), message_type: type, content, mentions };
      const command = parseCommand(message, {
        maxIds: 1 + Math.floor(random() * 5),
        maxIdLength: 1 + Math.floor(random() * 10),
      });
      expect(kinds.has(command.kind)).toBe(true);
    }
  });

  it('on inputs that break TypeScript promises at run time', () => {
    const broken = [
      { chat_type: 'p2p', message_type: 'text', content: undefined },
      { chat_type: 'p2p', message_type: 'text', content: 5 },
      { chat_type: 'p2p', message_type: 'text', content: '{"text":"/room a"}', mentions: 'x' },
      { chat_type: 'p2p', message_type: 'text', content: '{"text":"/room a"}', mentions: [null, { key: 5 }] },
    ] as unknown as IncomingMessage[];
    for (const message of broken) expect(() => parseCommand(message, CONFIGURED_LIMITS)).not.toThrow();
    expect(parseCommand(broken[3]!, CONFIGURED_LIMITS)).toEqual({ kind: 'lookup', ids: ['a'] });
  });
});

describe('displayId', () => {
  it('replaces invisible characters and shortens by code points without splitting surrogate pairs', () => {
    expect(displayId('a\u200bb')).toBe('a\ufffdb');
    expect(displayId('🏢'.repeat(30), 3)).toBe('🏢🏢🏢…');
    expect(displayId('short')).toBe('short');
  });
});
