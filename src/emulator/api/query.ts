// Strict query-string reading. Feishu wants repeated keys (custom_room_ids=a&custom_room_ids=b); a lenient
// parser would also accept custom_room_ids[]=a, which Feishu rejects, so the raw string is parsed here.

/** Every key=value pair of a raw query string, in order, percent-decoded ("+" is a space). */
export function parseRawQuery(raw: string): Array<[string, string]> {
  if (raw === '') return [];
  return raw
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      const key = eq === -1 ? part : part.slice(0, eq);
      const value = eq === -1 ? '' : part.slice(eq + 1);
      return [decode(key), decode(value)];
    });
}

function decode(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced; // malformed %-escape: keep it literally, as a key it then matches nothing
  }
}

/** Values of exactly `key` (so "key[]" and "key[0]" do not count). */
export function valuesOf(pairs: ReadonlyArray<[string, string]>, key: string): string[] {
  return pairs.filter(([k]) => k === key).map(([, v]) => v);
}
