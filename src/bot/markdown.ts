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
  return isCodeSafe(id) ? `\`${id}\`` : escapeMarkdown(id);
}

/** Whether text can stand inside inline code as it is (no backtick, no HTML-like markup). */
export function isCodeSafe(text: string): boolean {
  return !CODE_UNSAFE.test(text);
}

/** Data from Feishu as one short, escaped line: invisible characters and line breaks become spaces. */
export function formatField(value: string, maxLength: number): string {
  return escapeMarkdown(oneLine(value, maxLength));
}

/** One short line of plain text (not escaped): invisible characters and line breaks become spaces. */
export function oneLine(value: string, maxLength: number): string {
  const points = Array.from(value.replace(INVISIBLE_OR_SPACE, ' ').trim());
  return points.length > maxLength ? `${points.slice(0, maxLength).join('')}…` : points.join('');
}

/** Keeps a line that starts with data from turning into a list item or heading. */
export function guardLineStart(line: string): string {
  return line
    .replace(/^(\d+)([.)])/, (_m, digits: string, mark: string) => `${digits}&#${mark.charCodeAt(0)};`)
    .replace(/^[-+=]/, (c) => `&#${c.charCodeAt(0)};`);
}
