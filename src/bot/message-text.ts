// The text a `/room` command is read from: a received message's `content` (im.message.receive_v1), a JSON
// string whose shape depends on message_type (Feishu doc "接收消息内容结构": text {"text": "@_user_1 …"};
// post {"title", "content": [[{"tag": "text", "text": …}, …], …]}).
//
// Read in one pass with json-cursor.ts, not JSON.parse: the parser runs before the ack, for group chatter too,
// and JSON.parse costs what the shape makes it cost (100 KB: 50,000 nested "[" 7–70 ms; 2,000 fresh keys 3–5 ms).
// Only the strings a command can be made of are kept.

import { OPEN_BRACE, OPEN_BRACKET, readJson, type JsonCursor } from '../json-cursor.js';

export type MessageText =
  | { ok: true; text: string; format: 'text' | 'post' }
  | { ok: false; reason: 'unsupported_message_type' | 'unreadable_content' };

/** The message's text: a text message's text, or a post's paragraphs as lines (title and `at` elements left out). */
export function readMessageText(message: { message_type: string; content: unknown }): MessageText {
  const format = message.message_type;
  if (format !== 'text' && format !== 'post') return { ok: false, reason: 'unsupported_message_type' };
  if (typeof message.content !== 'string') return { ok: false, reason: 'unreadable_content' };
  const text = readJson(message.content, format === 'text' ? textOfTextMessage : textOfPost);
  return text === undefined ? { ok: false, reason: 'unreadable_content' } : { ok: true, text, format };
}

/** Post elements whose text is typed text: text, a (a link's text) and code_block (docs "接收消息内容结构", "发送消息内容结构"). */
const TEXT_TAGS = new Set(['text', 'a', 'code_block']);

/** The text field of {"text": …}; undefined when the content is no object or its text is no string. */
function textOfTextMessage(json: JsonCursor): string | undefined {
  if (json.peek() !== OPEN_BRACE) return undefined;
  let text: string | undefined;
  for (let key = json.enterObject(); key !== undefined; key = json.nextKey()) {
    if (key === 'text')
      text = json.stringOrSkip(); // a repeated key: the last one counts, as in JSON.parse
    else json.skip();
  }
  return text;
}

/**
 * A post's paragraphs: the top-level "content" array as received, or else the "content" of the first member
 * that is an object holding one, as in the language-wrapped shape sent ({"zh_cn": {"title", "content"}}).
 * "First" is in document order (JSON.parse's objects list array-index keys first, and keep a repeated key's
 * first place; Feishu's keys are neither, and doing the same would mean remembering every key of the content).
 */
function textOfPost(json: JsonCursor): string | undefined {
  if (json.peek() !== OPEN_BRACE) return undefined;
  let content: string | undefined;
  let wrapped: string | undefined;
  for (let key = json.enterObject(); key !== undefined; key = json.nextKey()) {
    const first = json.peek();
    if (key === 'content') content = undefined; // the last "content" counts, as in JSON.parse
    if (key === 'content' && first === OPEN_BRACKET) content = paragraphs(json);
    else if (first === OPEN_BRACE && wrapped === undefined) wrapped = wrappedContent(json);
    else json.skip();
  }
  return content ?? wrapped;
}

/** The "content" array of {"title", "content"}, as text; undefined if it has none. */
function wrappedContent(json: JsonCursor): string | undefined {
  let content: string | undefined;
  for (let key = json.enterObject(); key !== undefined; key = json.nextKey()) {
    if (key === 'content') content = undefined;
    if (key === 'content' && json.peek() === OPEN_BRACKET) content = paragraphs(json);
    else json.skip();
  }
  return content;
}

/** Paragraphs become lines. Line breaks are added only before text (and at the end), as runs of empty lines are cheap. */
function paragraphs(json: JsonCursor): string {
  let text = '';
  let breaks = -1; // owed before the next text: none before the first line
  for (let more = json.enterArray(); more; more = json.nextItem()) {
    const line = paragraph(json);
    breaks += 1;
    if (line === '') continue;
    text += '\n'.repeat(breaks) + line;
    breaks = 0;
  }
  return text + '\n'.repeat(Math.max(breaks, 0));
}

/** A paragraph: an array of elements, as one line; anything else is an empty line. */
function paragraph(json: JsonCursor): string {
  if (json.peek() !== OPEN_BRACKET) {
    json.skip();
    return '';
  }
  let text = '';
  for (let more = json.enterArray(); more; more = json.nextItem()) text += elementText(json);
  return text;
}

/** An element's text when its tag is one of TEXT_TAGS; '' for `at`, `img`, anything not an object and the rest. */
function elementText(json: JsonCursor): string {
  if (json.peek() !== OPEN_BRACE) {
    json.skip();
    return '';
  }
  let tag: string | undefined;
  let text: string | undefined;
  for (let key = json.enterObject(); key !== undefined; key = json.nextKey()) {
    if (key === 'tag') tag = json.stringOrSkip();
    else if (key === 'text') text = json.stringOrSkip();
    else json.skip();
  }
  return tag !== undefined && text !== undefined && TEXT_TAGS.has(tag) ? text : '';
}
