import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readMessageText } from '../../src/bot/message-text.js';

const text = (content: string) => readMessageText({ message_type: 'text', content });
const post = (content: string) => readMessageText({ message_type: 'post', content });
const textOf = (content: string) => {
  const read = text(content);
  return read.ok ? read.text : undefined;
};
const postTextOf = (content: string) => {
  const read = post(content);
  return read.ok ? read.text : undefined;
};

// What the reader must agree with: JSON.parse, then the fields as the parser has always read them.
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function parsed(content: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(content) as unknown };
  } catch {
    return { ok: false };
  }
}
function referenceText(content: string): string | undefined {
  const json = parsed(content);
  return json.ok && isRecord(json.value) && typeof json.value.text === 'string' ? json.value.text : undefined;
}
function referencePostText(content: string): string | undefined {
  const json = parsed(content);
  if (!json.ok || !isRecord(json.value)) return undefined;
  const body = Array.isArray(json.value.content)
    ? json.value.content
    : Object.values(json.value).find(
        (value): value is { content: unknown[] } => isRecord(value) && Array.isArray(value.content),
      )?.content;
  if (body === undefined) return undefined;
  const elementText = (element: unknown) =>
    isRecord(element) && typeof element.text === 'string' && ['text', 'a', 'code_block'].includes(element.tag as string)
      ? element.text
      : '';
  return body.map((paragraph) => (Array.isArray(paragraph) ? paragraph.map(elementText).join('') : '')).join('\n');
}

describe('readMessageText', () => {
  it('reads a text message and a post (received and language-wrapped shapes)', () => {
    expect(text('{"text":"@_user_1 /room a"}')).toEqual({ ok: true, text: '@_user_1 /room a', format: 'text' });
    const body = {
      title: 't',
      content: [
        [
          { tag: 'at', user_id: 'ou_1' },
          { tag: 'text', text: '/room a' },
        ],
        [],
        [{ tag: 'a', href: 'http://x', text: 'b' }],
      ],
    };
    expect(post(JSON.stringify(body))).toEqual({ ok: true, text: '/room a\n\nb', format: 'post' });
    expect(postTextOf(JSON.stringify({ zh_cn: body }))).toBe('/room a\n\nb');
  });

  it('decodes every JSON escape, lone surrogates included', () => {
    expect(textOf(String.raw`{"text":"\"\\\/\b\f\n\r\t\u0041\u00e9\uD83C\uDFE2\ud800x"}`)).toBe(
      '"\\/\b\f\n\r\t\u0041\u00e9🏢\ud800x',
    );
  });

  it('refuses what JSON.parse refuses', () => {
    const malformed = [
      '{"text":"a"',
      '{"text":"a"}}',
      '{"text":"a",}',
      '{"text":"a" "b":1}',
      "{'text':'a'}",
      '{text:"a"}',
      '{"text":"a\u0001"}', // raw control character in a string
      '{"text":"\\x41"}',
      '{"text":"\\u12G4"}',
      '{"text":"\\u12"}',
      '{"text":"\\u00\u00101"}', // U+0010 is no hex digit (with the letter-case bit set, it would read as "0")
      '{"text":"\\u00@1"}',
      '{"text":"a","n":01}',
      '{"text":"a","n":1.}',
      '{"text":"a","n":.5}',
      '{"text":"a","n":1e}',
      '{"text":"a","n":+1}',
      '{"text":"a","n":-}',
      '{"text":"a","n":NaN}',
      '{"text":"a","n":tru}',
      '{"text":"a","n":[1,]}',
      '\ufeff{"text":"a"}', // a byte order mark is not JSON whitespace
      '{"text":"a"}\u00a0',
      `{"text":"a","deep":${'['.repeat(100_000)}${']'.repeat(99_999)}}`,
    ];
    for (const content of malformed) {
      expect(() => JSON.parse(content), content).toThrow();
      expect(text(content), content).toEqual({ ok: false, reason: 'unreadable_content' });
    }
  });

  it('accepts what JSON.parse accepts, at any depth', () => {
    const deep = `{"text":"a","deep":${'[{"x":'.repeat(20_000)}1${'}]'.repeat(20_000)}, "n": [-0, 1.5e+3, 2E-2, true, false, null, {}, [], ""]}`;
    expect(textOf(deep)).toBe('a');
    expect(textOf(' \t\r\n{ "text" : "a" } \n')).toBe('a');
    expect(textOf('{"text":"a","text":"b"}')).toBe('b'); // the last of a repeated key, as JSON.parse
    expect(textOf('{"text":"a","text":5}')).toBeUndefined();
  });

  it('never builds what it skips: 100,000 nested arrays are only counted', () => {
    const content = `{"title":"","content":[[{"tag":"text","text":"/room a","style":${'['.repeat(50_000)}${']'.repeat(50_000)}}]]}`;
    expect(postTextOf(content)).toBe('/room a');
  });

  it('reads posts as the parser always has: the top-level content first, empty lines kept', () => {
    const body = (content: unknown) => JSON.stringify({ title: 'x', content });
    expect(postTextOf(body([[], [], [{ tag: 'text', text: 'a' }], [], 'x', [5, null, { tag: 'img' }], []]))).toBe(
      '\n\na\n\n\n\n',
    );
    expect(
      postTextOf(
        JSON.stringify({
          en_us: { content: [[{ tag: 'text', text: 'en' }]] },
          content: [[{ tag: 'text', text: 'top' }]],
        }),
      ),
    ).toBe('top');
    expect(
      postTextOf(
        JSON.stringify({ zh_cn: { title: 'no content' }, en_us: { content: [[{ tag: 'text', text: 'en' }]] } }),
      ),
    ).toBe('en');
    expect(postTextOf(JSON.stringify({ title: 'only a title' }))).toBeUndefined();
  });

  it('says which message types it does not read', () => {
    expect(readMessageText({ message_type: 'image', content: '{}' })).toEqual({
      ok: false,
      reason: 'unsupported_message_type',
    });
    expect(readMessageText({ message_type: 'text', content: 5 })).toEqual({ ok: false, reason: 'unreadable_content' });
  });
});

describe('readMessageText agrees with JSON.parse (properties)', () => {
  // JSON texts, and near-misses: pieces of JSON glued at random, and valid JSON with one edit.
  const jsonPiece = fc.oneof(
    fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      '"',
      ':',
      ',',
      ' ',
      '\n',
      '\\',
      '\\u',
      '00',
      'e9',
      'D8',
      'fF',
      'g',
      'G',
      '0',
      '1',
      '-',
      '.',
      'e',
      'E',
      '+',
      'true',
      'null',
      'fals',
      '"text"',
      '"a"',
      'x',
    ),
    fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }), // control characters among them
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)), // lone surrogates
  );
  const nearJson = fc.string({ unit: jsonPiece, maxLength: 30 });
  const edited = fc.tuple(fc.json(), fc.nat(), fc.nat({ max: 2 }), jsonPiece).map(([json, at, how, piece]) => {
    const i = json.length === 0 ? 0 : at % json.length;
    return how === 0
      ? json.slice(0, i) + piece + json.slice(i)
      : how === 1
        ? json.slice(0, i) + json.slice(i + 1)
        : json.slice(0, i) + piece + json.slice(i + 1);
  });
  const anyJsonText = fc.oneof(fc.json(), nearJson, edited);

  it('on any value beside the text, and on near-misses of JSON in its place', () => {
    fc.assert(
      fc.property(anyJsonText, fc.string({ unit: 'binary' }), (value, typed) => {
        const content = `{"text":${JSON.stringify(typed)},"v":${value}}`;
        expect(textOf(content)).toBe(referenceText(content));
      }),
      { numRuns: 2000 },
    );
  });

  it('on contents that are anything at all', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyJsonText,
          fc.string({ unit: 'binary' }),
          fc.constant('{"text":').chain((head) => nearJson.map((tail) => head + tail)),
        ),
        (content) => {
          expect(textOf(content)).toBe(referenceText(content));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('on post-shaped contents, with junk where Feishu puts elements', () => {
    const junk = fc.jsonValue({ maxDepth: 2 });
    const element = fc.oneof(
      fc.record(
        {
          tag: fc.constantFrom('text', 'a', 'code_block', 'at', 'img', 'emotion'),
          text: fc.oneof(fc.string({ unit: 'binary' }), junk),
        },
        { requiredKeys: [] },
      ),
      junk,
    );
    const paragraphs = fc.array(fc.oneof(fc.array(element, { maxLength: 4 }), junk), { maxLength: 5 });
    // Keys are never array indices: JSON.parse lists those first, the reader takes document order (see textOfPost).
    const key = fc.oneof(
      fc.constantFrom('title', 'content', 'zh_cn', 'en_us'),
      fc.string().filter((k) => !/^(?:0|[1-9]\d*)$/.test(k)),
    );
    const body = fc.dictionary(
      key,
      fc.oneof(
        paragraphs,
        fc.record({ title: fc.string(), content: fc.oneof(paragraphs, junk) }, { requiredKeys: [] }),
        junk,
      ),
      { maxKeys: 4 },
    );
    fc.assert(
      fc.property(body, fc.boolean(), (value, pretty) => {
        const content = JSON.stringify(value, null, pretty ? 2 : undefined);
        expect(postTextOf(content)).toBe(referencePostText(content));
      }),
      { numRuns: 2000 },
    );
  });
});
