// Plain-text tables for the terminal: columns padded to their widest cell, numbers right-aligned.

export type Cell = string | number;

/** 12345.6 → "12,346"; digits after the point when asked. */
export function num(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function mb(bytes: number): string {
  return num(bytes / 1024 / 1024, 1);
}

export function table(header: readonly string[], rows: readonly (readonly Cell[])[], indent = '  '): string {
  const text = (cell: Cell) => (typeof cell === 'number' ? num(cell) : cell);
  const all = [header, ...rows.map((row) => row.map(text))];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  // a column is right-aligned when every body cell in it starts like a number
  const numeric = header.map((_, column) => rows.every((row) => /^[-+]?[\d.,–]/.test(text(row[column] ?? ''))));
  const line = (row: readonly string[]) =>
    indent +
    row
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [
    line(header),
    indent + widths.map((w) => '─'.repeat(w)).join('  '),
    ...rows.map((row) => line(row.map(text))),
  ].join('\n');
}
