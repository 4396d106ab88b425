// Card markdown safety (pure): text from users and from Feishu is shown as text, never as markup.

// Characters that could start markup (links, <at id=all>, <font>, emphasis, code, :emoji:) become numeric
// character references, which the card markdown decodes back to the character.
const MARKDOWN_SPECIAL = /[\\`*_~[\]()<>#|&$:]/g;
const CODE_UNSAFE = /[`<>&\\]/;
const INVISIBLE_OR_SPACE = /[\p{Cc}\p{Cf}\p{Cs}\p{Z}\s]+/gu;

export function escapeMarkdown(text: string): string {
  return text.replace(MARKDOWN_SPECIAL, (char) => `&#${char.charCodeAt(0)};`);
}

/** An ID shown copyable as inline code when that is safe, else as escaped text. */
export function formatId(id: string): string {
  return CODE_UNSAFE.test(id) ? escapeMarkdown(id) : `\`${id}\``;
}

/** Data from Feishu as one short, escaped line: invisible characters and line breaks become spaces. */
export function formatField(value: string, maxLength: number): string {
  const points = Array.from(value.replace(INVISIBLE_OR_SPACE, ' ').trim());
  const short = points.length > maxLength ? `${points.slice(0, maxLength).join('')}…` : points.join('');
  return escapeMarkdown(short);
}

/** Keeps a line that starts with data from turning into a list item or heading. */
export function guardLineStart(line: string): string {
  return line.replace(/^(\d+)([.)])/, (_m, digits: string, mark: string) => `${digits}&#${mark.charCodeAt(0)};`).replace(/^[-+=]/, (c) => `&#${c.charCodeAt(0)};`);
}
