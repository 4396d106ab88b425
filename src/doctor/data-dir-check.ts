// The local journal's directory (DATA_DIR, used when REDIS_URL is not set), checked by `npm run doctor`.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { processIsRunning } from '../state/journal-file.js';
import { JOURNAL_FILE } from '../state/local-queue.js';
import { errorText, fail, pass, type CheckResult } from './report.js';

/** Creates dir if needed; resolves with the first directory it had to create (to remove afterwards), if any. */
async function ensureDirectory(dir: string): Promise<{ created?: string } | { problem: string }> {
  try {
    const found = await stat(dir);
    return found.isDirectory() ? {} : { problem: 'exists but is not a directory' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return { problem: `cannot be used (${errorText(error)})` };
  }
  try {
    const created = await mkdir(dir, { recursive: true });
    return created === undefined ? {} : { created };
  } catch (error) {
    return { problem: `cannot be created (${errorText(error)})` };
  }
}

/** Writes and syncs a small file, as the journal does, then removes it. */
async function probeWrite(dir: string): Promise<string | undefined> {
  const path = join(dir, `.doctor-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile('probe\n');
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await unlink(path);
    return undefined;
  } catch (error) {
    return errorText(error);
  }
}

/** The pid in the journal's lock file (see state/journal-file.ts), when a running process holds it. */
async function lockHolder(dir: string, ownPid: number): Promise<{ pid?: number; stale?: number }> {
  const text = await readFile(join(dir, `${JOURNAL_FILE}.lock`), 'utf8').catch(() => undefined);
  const pid = Number(text?.trim());
  if (text === undefined || !Number.isInteger(pid) || pid <= 0) return {};
  return pid !== ownPid && processIsRunning(pid) ? { pid } : { stale: pid };
}

/** DATA_DIR exists or can be created, is writable, and no other running process holds its journal. */
export async function checkDataDir(dir: string, ownPid = process.pid): Promise<CheckResult> {
  const name = 'data directory';
  const ensured = await ensureDirectory(dir);
  if ('problem' in ensured)
    return fail(
      name,
      `DATA_DIR ${dir} ${ensured.problem}: point DATA_DIR at a writable directory on a persistent disk`,
    );
  try {
    const writeProblem = await probeWrite(dir);
    if (writeProblem)
      return fail(
        name,
        `DATA_DIR ${dir} is not writable (${writeProblem}): fix its permissions or point DATA_DIR elsewhere`,
      );
    const lock = await lockHolder(dir, ownPid);
    if (lock.pid !== undefined) {
      return fail(
        name,
        `DATA_DIR ${dir} is in use by process ${lock.pid} (${JOURNAL_FILE}.lock): stop that bot, give each process its own DATA_DIR, or set REDIS_URL to share one queue`,
      );
    }
    const notes = [
      ensured.created ? 'does not exist yet, can be created and written' : 'writable',
      lock.stale !== undefined ? `a stale lock of process ${lock.stale} will be taken over` : 'not in use',
    ];
    return pass(name, `DATA_DIR ${dir} ${notes.join(', ')} (keep it on a persistent disk)`);
  } finally {
    if (ensured.created) await rm(ensured.created, { recursive: true, force: true });
  }
}
