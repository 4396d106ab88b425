// One folding for everything people type and everything the directory holds: NFKC (full-width "ＢＪ" → "bj",
// "①" → "1"), then lower case. Pure.

/** Longest word folded, in UTF-16 units: the parser bounds words already; this keeps the matcher linear anyway. */
export const MAX_WORD_UNITS = 128;

export function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** The words of a query, folded, blank ones dropped, each at most MAX_WORD_UNITS long. */
export function foldWords(words: readonly string[]): string[] {
  const folded: string[] = [];
  for (const word of words) {
    const value = fold(word.slice(0, MAX_WORD_UNITS)).trim();
    if (value !== '' && !folded.includes(value)) folded.push(value);
  }
  return folded;
}
