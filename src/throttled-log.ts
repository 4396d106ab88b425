// Log lines that a flood could multiply (rejected requests, 503s under overload): at most `burst` lines per
// kind per interval; the next line of that kind says how many were left out meanwhile.
import type { Logger } from './log.js';

export type ThrottledLevel = 'info' | 'warn' | 'error';

export type ThrottledLog = (
  level: ThrottledLevel,
  kind: string,
  fields: Record<string, unknown>,
  message: string,
) => void;

/** Kinds tracked at most: the kinds come from a fixed list of reasons, this only bounds a mistake. */
const MAX_KINDS = 256;

/** At most 10 lines a second per kind (docs/operations.md, Logs): enough to see what happens, too few to flood. */
const INTERVAL_MS = 1_000;
const BURST = 10;

export function createThrottledLog(
  logger: Logger,
  {
    intervalMs = INTERVAL_MS,
    burst = BURST,
    now = Date.now,
  }: { intervalMs?: number; burst?: number; now?: () => number } = {},
): ThrottledLog {
  const kinds = new Map<string, { windowStart: number; logged: number; suppressed: number }>();
  return (level, kind, fields, message) => {
    const at = now();
    let state = kinds.get(kind);
    if (state === undefined) {
      if (kinds.size >= MAX_KINDS) kinds.clear();
      state = { windowStart: at, logged: 0, suppressed: 0 };
      kinds.set(kind, state);
    }
    if (at - state.windowStart >= intervalMs) {
      state.windowStart = at;
      state.logged = 0;
    }
    if (state.logged >= burst) {
      state.suppressed += 1;
      return;
    }
    const suppressed = state.suppressed;
    state.logged += 1;
    state.suppressed = 0;
    logger[level](suppressed > 0 ? { ...fields, suppressed } : fields, message);
  };
}
