// The parts every card is made of: texts in both languages, markdown, buttons, the JSON 2.0 frame (pure, no I/O).
// Every text carries i18n_content for zh_cn and en_us (doc "配置卡片多语言"), English as the fallback `content`.
import type { Card } from './ports.js';
import type { Locale, LocalizedText } from './i18n.js';

export type HeaderTemplate = 'blue' | 'green' | 'orange' | 'red' | 'grey';
export type Element = Record<string, unknown>;

function i18nFields(text: LocalizedText): { content: string; i18n_content: Record<Locale, string> } {
  return { content: text.en_us, i18n_content: { zh_cn: text.zh_cn, en_us: text.en_us } };
}

export function plainText(text: LocalizedText): Element {
  return { tag: 'plain_text', ...i18nFields(text) };
}

export function markdown(text: LocalizedText, size?: 'notation'): Element {
  return size === undefined
    ? { tag: 'markdown', ...i18nFields(text) }
    : { tag: 'markdown', ...i18nFields(text), text_size: size };
}

export function divider(): Element {
  return { tag: 'hr' };
}

export function callbackButton(label: LocalizedText, value: Record<string, unknown>): Element {
  return { tag: 'button', text: plainText(label), type: 'default', behaviors: [{ type: 'callback', value }] };
}

export interface CardParts {
  title: LocalizedText;
  template: HeaderTemplate;
  /** Preview shown in the chat list; defaults to the title. */
  summary?: LocalizedText;
  elements: Element[];
}

// No config.locales: it restricts which languages take effect, so readers in other languages would lose
// the text; without it they get the default (English) content (doc: 卡片 JSON 2.0 结构, 配置卡片多语言).
export function assembleCard(parts: CardParts): Card {
  return {
    schema: '2.0',
    config: { update_multi: true, summary: i18nFields(parts.summary ?? parts.title) },
    header: { title: plainText(parts.title), template: parts.template },
    body: { elements: parts.elements },
  };
}
