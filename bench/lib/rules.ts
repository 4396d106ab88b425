// An API-economy rule: what the design promises, what the emulator recorded.

export interface RuleResult {
  rule: string;
  /** e.g. "batch_get_id calls" */
  measure: string;
  /** A number, or a range when the exact count cannot be known (e.g. "1,000–1,032"). */
  expected: number | string;
  measured: number;
  /** The bot's own counter for the same thing, when it keeps one (a cross-check of the emulator log). */
  botCounter?: number;
  ok: boolean;
}

export function rule(
  rule: string,
  measure: string,
  expected: number,
  measured: number,
  botCounter?: number,
): RuleResult {
  const ok = measured === expected && (botCounter === undefined || botCounter === expected);
  return { rule, measure, expected, measured, ...(botCounter !== undefined ? { botCounter } : {}), ok };
}
