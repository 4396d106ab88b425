// What a doctor check says, and how the results become lines and an exit code. Pure: no I/O.

/** pass ✓, fail ✗ (exit 1), warn ! (works, but not as it should in production), skip - (not applicable). */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** What was checked, e.g. "credentials". */
  name: string;
  status: CheckStatus;
  /** What was found, and for warn/fail what to fix, naming the variable to change. */
  detail: string;
}

export const pass = (name: string, detail: string): CheckResult => ({ name, status: 'pass', detail });
export const warn = (name: string, detail: string): CheckResult => ({ name, status: 'warn', detail });
export const fail = (name: string, detail: string): CheckResult => ({ name, status: 'fail', detail });
export const skip = (name: string, detail: string): CheckResult => ({ name, status: 'skip', detail });

const MARKS: Readonly<Record<CheckStatus, string>> = { pass: '✓', warn: '!', fail: '✗', skip: '-' };

/** One line per check, names aligned, then a summary line. */
export function formatReport(results: readonly CheckResult[]): string[] {
  const width = Math.max(0, ...results.map((result) => result.name.length));
  const lines = results.map((result) => `${MARKS[result.status]} ${result.name.padEnd(width)}  ${result.detail}`);
  const failed = results.filter((result) => result.status === 'fail').length;
  const warned = results.filter((result) => result.status === 'warn').length;
  const warnings = warned > 0 ? ` (${warned} warning${warned === 1 ? '' : 's'})` : '';
  lines.push(
    failed === 0 ? `all checks passed${warnings}` : `${failed} check${failed === 1 ? '' : 's'} failed${warnings}`,
  );
  return lines;
}

/** 0 only when no check failed (warnings and skipped checks do not fail the run). */
export function exitCodeOf(results: readonly CheckResult[]): 0 | 1 {
  return results.some((result) => result.status === 'fail') ? 1 : 0;
}

/** An error as a short text: its code (ECONNREFUSED, EACCES, …) and message. */
export function errorText(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
