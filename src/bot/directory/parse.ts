// The directory subcommands after `/room` (pure, linear in the words): `find`/`search`/`查找`/`搜索 <words>`,
// `free`/`空闲 [N] [words]`; command.ts handles `--`, after which every word is a custom room ID even a keyword
// (`/room -- free` looks up the room whose custom ID is "free").

/** What the words after `/room` ask of the directory; undefined when they are room IDs to look up. */
export type DirectoryCommand =
  | { kind: 'find'; words: string[] }
  | { kind: 'free'; minCapacity?: number; words: string[] }
  | { kind: 'lookup'; ids: string[] }
  | { kind: 'help'; reason: 'requested' | 'no_ids' };

const FIND_WORDS: ReadonlySet<string> = new Set(['find', 'search', '查找', '搜索']);
const FREE_WORDS: ReadonlySet<string> = new Set(['free', '空闲']);
/** The subcommand keywords (folded) command.ts hands to parseDirectoryCommand. */
export const DIRECTORY_KEYWORDS: readonly string[] = [...FIND_WORDS, ...FREE_WORDS];
export const ESCAPE_WORD = '--';
/** Longest keyword, in UTF-16 units, with room for what NFKC folds ("ｆｒｅｅ"). */
const KEYWORD_MAX_UNITS = 16;
/** Largest capacity taken as a number of people; larger numbers are words (a floor "2001"?). */
const MAX_CAPACITY = 9999;

function keyword(word: string): string | undefined {
  return word.length <= KEYWORD_MAX_UNITS ? word.normalize('NFKC').toLowerCase() : undefined;
}

export function isDirectoryKeyword(word: string): boolean {
  const folded = keyword(word);
  return folded !== undefined && (FIND_WORDS.has(folded) || FREE_WORDS.has(folded));
}

/** `6`, `6人`, `6p`, `6P`, `６人` → 6; anything else undefined. */
export function capacityOf(word: string): number | undefined {
  const folded = keyword(word);
  if (folded === undefined) return undefined;
  let digits = folded;
  for (const suffix of ['人', 'p']) if (digits.endsWith(suffix)) digits = digits.slice(0, -suffix.length);
  if (!/^[0-9]{1,4}$/.test(digits)) return undefined;
  const value = Number(digits);
  return value >= 1 && value <= MAX_CAPACITY ? value : undefined;
}

/** The words after `/room` (de-duplicated, validated) as a directory command, or undefined for a plain lookup. */
export function parseDirectoryCommand(words: readonly string[]): DirectoryCommand | undefined {
  const [first, ...rest] = words;
  if (first === undefined) return undefined;
  const folded = keyword(first);
  if (folded === undefined) return undefined;
  if (FIND_WORDS.has(folded))
    return rest.length === 0 ? { kind: 'help', reason: 'requested' } : { kind: 'find', words: rest };
  if (!FREE_WORDS.has(folded)) return undefined;
  const capacityAt = rest.findIndex((word) => capacityOf(word) !== undefined);
  if (capacityAt < 0) return { kind: 'free', words: rest };
  const minCapacity = capacityOf(rest[capacityAt]!)!;
  // "6 人": the unit typed apart from the number is not a place word
  const others = rest.filter(
    (word, i) => i !== capacityAt && !(i === capacityAt + 1 && (word === '人' || word === 'p')),
  );
  return { kind: 'free', minCapacity, words: others };
}
