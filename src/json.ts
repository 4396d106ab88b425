// What arrives as JSON (pushes, callbacks, config files, journal lines, Feishu answers) is `unknown` until checked.

/** A JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
