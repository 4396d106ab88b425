// A strict reading of card JSON 2.0, as Feishu does it: "在 JSON 2.0 版本中，传入不支持的属性将报错"
// (卡片 JSON 2.0 版本更新说明). A card Feishu would refuse is refused here with 230099 too, so a card
// mistake fails in our tests rather than in a customer's chat. Covers the structure and the components
// a text card uses (markdown, div, hr, button, column_set/column); any other tag is refused as unknown.
import { isJsonObject } from '../../json.js';

type Json = Record<string, unknown>;

const TOP_LEVEL = new Set(['schema', 'config', 'card_link', 'header', 'body']);
const CONFIG = new Set([
  'streaming_mode',
  'streaming_config',
  'summary',
  'locales',
  'enable_forward',
  'update_multi',
  'width_mode',
  'use_custom_translation',
  'enable_forward_interaction',
  'style',
]);
const HEADER = new Set(['title', 'subtitle', 'text_tag_list', 'i18n_text_tag_list', 'template', 'icon', 'padding']);
const BODY = new Set([
  'direction',
  'padding',
  'horizontal_spacing',
  'horizontal_align',
  'vertical_spacing',
  'vertical_align',
  'elements',
]);
const TEXT = new Set(['tag', 'content', 'i18n_content', 'text_size', 'text_align', 'text_color', 'lines']);
const COMMON = ['tag', 'element_id', 'margin'];
const ELEMENTS: Record<string, Set<string>> = {
  markdown: new Set([...COMMON, 'content', 'i18n_content', 'text_size', 'text_align', 'icon']),
  div: new Set([...COMMON, 'text', 'icon', 'width']),
  hr: new Set(COMMON),
  button: new Set([
    ...COMMON,
    'type',
    'size',
    'width',
    'text',
    'icon',
    'hover_tips',
    'disabled',
    'disabled_tips',
    'confirm',
    'behaviors',
    'form_action_type',
    'name',
    'required',
  ]),
  column_set: new Set([
    ...COMMON,
    'horizontal_spacing',
    'horizontal_align',
    'flex_mode',
    'background_style',
    'columns',
    'action',
  ]),
  column: new Set([
    ...COMMON,
    'background_style',
    'width',
    'weight',
    'vertical_align',
    'vertical_spacing',
    'padding',
    'direction',
    'elements',
  ]),
};
const BEHAVIOR_TYPES = new Set(['callback', 'open_url']);
const HEADER_TEMPLATES = new Set([
  'blue',
  'wathet',
  'turquoise',
  'green',
  'yellow',
  'orange',
  'red',
  'carmine',
  'violet',
  'purple',
  'indigo',
  'grey',
  'default',
]);

function unknownKeys(value: Json, allowed: Set<string>, path: string): string | undefined {
  const extra = Object.keys(value).find((key) => !allowed.has(key));
  return extra === undefined ? undefined : `${path}: unsupported property "${extra}"`;
}

function checkText(value: unknown, path: string, required: boolean): string | undefined {
  if (value === undefined) return required ? `${path}: required` : undefined;
  if (!isJsonObject(value)) return `${path}: must be an object`;
  if (value.tag !== 'plain_text' && value.tag !== 'lark_md') return `${path}.tag: must be plain_text or lark_md`;
  if (typeof value.content !== 'string' && !isJsonObject(value.i18n_content))
    return `${path}: content or i18n_content is required`;
  return unknownKeys(value, TEXT, path);
}

function checkElement(element: unknown, path: string): string | undefined {
  if (!isJsonObject(element) || typeof element.tag !== 'string') return `${path}: an element needs a tag`;
  const allowed = ELEMENTS[element.tag];
  if (!allowed) return `${path}: unknown tag "${element.tag}"`;
  const extra = unknownKeys(element, allowed, `${path}(${element.tag})`);
  if (extra) return extra;
  switch (element.tag) {
    case 'markdown':
      return typeof element.content === 'string' || isJsonObject(element.i18n_content)
        ? undefined
        : `${path}: markdown needs content`;
    case 'div':
      return checkText(element.text, `${path}.text`, false);
    case 'button': {
      const text = checkText(element.text, `${path}.text`, false);
      if (text) return text;
      if (element.behaviors === undefined) return undefined;
      if (!Array.isArray(element.behaviors)) return `${path}.behaviors: must be an array`;
      const bad = element.behaviors.findIndex((b) => !isJsonObject(b) || !BEHAVIOR_TYPES.has(String(b.type)));
      return bad === -1 ? undefined : `${path}.behaviors[${bad}]: unknown behavior type`;
    }
    case 'column_set':
      return checkElements(element.columns ?? [], `${path}.columns`);
    case 'column':
      return checkElements(element.elements ?? [], `${path}.elements`);
    default:
      return undefined;
  }
}

function checkElements(elements: unknown, path: string): string | undefined {
  if (!Array.isArray(elements)) return `${path}: must be an array`;
  for (const [i, element] of elements.entries()) {
    const problem = checkElement(element, `${path}[${i}]`);
    if (problem) return problem;
  }
  return undefined;
}

/** undefined when Feishu would accept the card; otherwise what is wrong with it. Only JSON 2.0 is checked. */
export function checkCard(card: Json): string | undefined {
  if (card.schema !== '2.0') return undefined; // 1.0 ignores unknown properties
  const top = unknownKeys(card, TOP_LEVEL, 'card');
  if (top) return top;
  if (card.config !== undefined) {
    if (!isJsonObject(card.config)) return 'config: must be an object';
    const config = unknownKeys(card.config, CONFIG, 'config');
    if (config) return config;
    if (card.config.update_multi === false) return 'config.update_multi: JSON 2.0 supports only true';
  }
  if (card.header !== undefined) {
    if (!isJsonObject(card.header)) return 'header: must be an object';
    const header = unknownKeys(card.header, HEADER, 'header') ?? checkText(card.header.title, 'header.title', true);
    if (header) return header;
    if (card.header.template !== undefined && !HEADER_TEMPLATES.has(String(card.header.template)))
      return 'header.template: unknown color';
  }
  if (card.body === undefined) return undefined;
  if (!isJsonObject(card.body)) return 'body: must be an object';
  return unknownKeys(card.body, BODY, 'body') ?? checkElements(card.body.elements ?? [], 'body.elements');
}
