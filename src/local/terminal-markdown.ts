// The card markdown left in renderCardAsText's output, made terminal text: **bold** → bold (ANSI on a
// terminal, plain otherwise), `code` → its text, [text](url) → "text (url)". Markup never spans lines.
// One left-to-right pass per line: every search for a closing mark starts after the previous one's
// answer for that mark (see nextIndex), so hostile input (a line of 100,000 "[") stays linear.

export interface TerminalTextOptions {
  /** Bold as ANSI escapes (SGR 1 / 22); otherwise the bold text is shown as it is. */
  ansi: boolean;
}

const BOLD_ON = '\u001b[1m';
const BOLD_OFF = '\u001b[22m';

export function markdownToTerminal(markdown: string, options: TerminalTextOptions): string {
  return markdown
    .split('\n')
    .map((line) => renderInline(line, options))
    .join('\n');
}

/**
 * indexOf with memory: the answer of an earlier search for the same mark from an earlier position holds
 * while it is not behind `from` (nothing of that mark lies between), so no stretch of the line is
 * searched twice for one mark.
 */
function nextIndex(text: string) {
  const last = new Map<string, { from: number; at: number }>();
  return (mark: string, from: number): number => {
    const known = last.get(mark);
    if (known && known.from <= from && (known.at === -1 || known.at >= from)) return known.at;
    const at = text.indexOf(mark, from);
    last.set(mark, { from, at });
    return at;
  };
}

function renderInline(line: string, options: TerminalTextOptions): string {
  const find = nextIndex(line);
  let out = '';
  let plainFrom = 0; // start of the text not yet copied to out
  let i = 0;
  /** Replaces line[i, resume) with `text`. */
  const replace = (text: string, resume: number) => {
    out += line.slice(plainFrom, i) + text;
    plainFrom = i = resume;
  };
  while (i < line.length) {
    const char = line[i];
    const doubleStar = char === '*' && line[i + 1] === '*';
    if (char === '`') {
      const close = find('`', i + 1);
      if (close > i + 1) {
        replace(line.slice(i + 1, close), close + 1);
        continue;
      }
    } else if (doubleStar) {
      const close = find('**', i + 2);
      if (close > i + 2) {
        const inner = renderInline(line.slice(i + 2, close), options);
        replace(options.ansi ? `${BOLD_ON}${inner}${BOLD_OFF}` : inner, close + 2);
        continue;
      }
    } else if (char === '[') {
      const link = linkAt(line, i, find);
      if (link) {
        const text = renderInline(link.text, options);
        replace(text === link.url || text === '' ? link.url : `${text} (${link.url})`, link.end);
        continue;
      }
    }
    i += doubleStar ? 2 : 1; // an unmatched "**" stays as it is, and its second "*" does not open another
  }
  return out + line.slice(plainFrom);
}

/** [text](url) starting at `open`: no "[" inside the text, "(" right after "]", and a ")" on the line. */
function linkAt(
  line: string,
  open: number,
  find: (mark: string, from: number) => number,
): { text: string; url: string; end: number } | undefined {
  const closeBracket = find(']', open + 1);
  if (closeBracket === -1 || line[closeBracket + 1] !== '(') return undefined;
  const nextOpen = find('[', open + 1);
  if (nextOpen !== -1 && nextOpen < closeBracket) return undefined;
  const closeParen = find(')', closeBracket + 2);
  if (closeParen === -1) return undefined;
  return {
    text: line.slice(open + 1, closeBracket),
    url: line.slice(closeBracket + 2, closeParen),
    end: closeParen + 1,
  };
}
