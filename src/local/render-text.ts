// Card JSON → readable text in one language, for the terminal chat of the local emulator and for tests.
// Walks header and elements of JSON 2.0 cards (body.elements) and 1.0 cards (elements / i18n_elements);
// unknown tags show their text if they have any, else nothing. Never throws on odd input.
import type { Card } from '../bot/ports.js';
import type { Locale } from '../bot/i18n.js';
import { isJsonObject } from '../json.js';

type Node = Record<string, unknown>;

const RULE = '────────────────────────';
const MAX_DEPTH = 20;
const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  sim: '~',
};

export function renderCardAsText(card: Card, locale: Locale): string {
  const lines: string[] = [];
  const header = asNode(card.header);
  if (header) lines.push(...renderHeader(header, locale));
  for (const element of cardElements(card, locale)) lines.push(...renderElement(element, locale, 0));
  return lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function asNode(value: unknown): Node | undefined {
  return isJsonObject(value) ? value : undefined;
}

function asNodes(value: unknown): Node[] {
  return Array.isArray(value) ? value.map(asNode).filter((node): node is Node => node !== undefined) : [];
}

function cardElements(card: Card, locale: Locale): Node[] {
  const body = asNode(card.body);
  if (body && Array.isArray(body.elements)) return asNodes(body.elements);
  const i18nElements = asNode(card.i18n_elements);
  if (i18nElements) return asNodes(i18nElements[locale] ?? Object.values(i18nElements)[0]);
  return asNodes(card.elements);
}

function renderHeader(header: Node, locale: Locale): string[] {
  const title = textOf(header.title, locale);
  const subtitle = textOf(header.subtitle, locale);
  const lines = title ? [`== ${title} ==`] : [];
  if (subtitle) lines.push(subtitle);
  return [...lines, ''];
}

/** The text of a text object in the locale: i18n_content, then i18n (header style), then content. */
export function textOf(value: unknown, locale: Locale): string {
  if (typeof value === 'string') return decodeEntities(value);
  const node = asNode(value);
  if (!node) return '';
  for (const key of ['i18n_content', 'i18n']) {
    const localized = asNode(node[key])?.[locale];
    if (typeof localized === 'string' && localized !== '') return decodeEntities(localized);
  }
  if (typeof node.content === 'string') return decodeEntities(node.content);
  return typeof node.text === 'string' ? decodeEntities(node.text) : '';
}

/** Numeric and common named character references back to characters (escapeMarkdown's inverse). */
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] !== '#') return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function renderElement(element: Node, locale: Locale, depth: number): string[] {
  if (depth > MAX_DEPTH) return [];
  switch (element.tag) {
    case 'markdown':
    case 'lark_md':
    case 'plain_text':
      return [textOf(element, locale)];
    case 'div':
      return [
        textOf(element.text, locale),
        ...asNodes(element.fields).map((field) => textOf(field.text, locale)),
      ].filter(Boolean);
    case 'hr':
      return [RULE];
    case 'button':
      return [`[${textOf(element.text, locale)}]`];
    case 'action':
      return [
        asNodes(element.actions)
          .flatMap((action) => renderElement(action, locale, depth + 1))
          .join(' '),
      ];
    case 'note':
      return [
        asNodes(element.elements)
          .map((part) => textOf(part, locale))
          .join(' '),
      ];
    case 'column_set':
      return asNodes(element.columns).flatMap((column) => renderChildren(column, locale, depth));
    case 'img':
    case 'image':
      return [`[${textOf(element.alt, locale) || 'image'}]`];
    default:
      return renderUnknown(element, locale, depth);
  }
}

function renderChildren(container: Node, locale: Locale, depth: number): string[] {
  return asNodes(container.elements).flatMap((child) => renderElement(child, locale, depth + 1));
}

/** Containers (form, collapsible_panel, …) show their children; other unknown tags show any text they carry. */
function renderUnknown(element: Node, locale: Locale, depth: number): string[] {
  if (Array.isArray(element.elements)) return renderChildren(element, locale, depth);
  const text = textOf(element.text, locale) || textOf(element, locale);
  return text ? [text] : [];
}
