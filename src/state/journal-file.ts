// An append-only file of JSON lines with group commit: what the local intake writes before it acks.
//
// - `append` resolves only after the lines are written AND fdatasync'ed: once it resolves, a kill -9,
//   an OOM kill or a power cut cannot lose them. Lines appended while a write+sync is in flight go out
//   together in the next one (group commit), so a burst costs one sync, not one per message. Lines whose
//   loss is harmless (`{ sync: false }`) are written at once and synced with the next lines that need it.
// - A crash in the middle of a write leaves at most a torn last line: `open` drops it (and truncates it
//   away) and skips any line that does not parse, counting them.
// - A write that does not land whole (a short write or ENOSPC/EFBIG on a full disk, a failed sync) fails
//   its append, and the file is cut back to the last whole line before anything else is appended: a
//   record written after space is back never lands on a torn line that replay would skip.
// - `compact` rewrites the file from a snapshot of what is still live (temp file, fsync, rename, fsync of
//   the directory), so the file stays bounded; it runs between two group commits, never during one.
// - One process per directory: a lock file holds the owner's pid; a lock left by a dead process (or by
//   this pid, as after a container restart where the bot is pid 1 again) is taken over.
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { mkdir, open, readFile, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';

export interface JournalFileOptions {
  dir: string;
  /** File name inside dir. */
  name: string;
  /** Lines to write when compacting: the live state, as lines that `open` would replay into the same state. */
  snapshot: () => unknown[];
  /**
   * How every line begins (e.g. '{"op":'): lets `open` recover the whole line at the end of a torn one, as
   * journals written before torn tails were cut back can hold. Absent: such a line is skipped.
   */
  lineStart?: string;
  /** Compact once the file has grown past max(this, 2 × its size after the last compaction). */
  compactMinBytes: number;
}

export interface OpenedJournal {
  /** Every line that parsed, oldest first. */
  lines: unknown[];
  /** Lines dropped: a torn last line (a crash mid-write) or a line that is not JSON. */
  skipped: number;
}

export interface JournalFile {
  readonly path: string;
  /** Bytes in the file now. */
  readonly size: number;
  open(): Promise<OpenedJournal>;
  /** Writes the lines and syncs them to disk; resolves once they are durable (with sync: false, once written). */
  append(lines: readonly unknown[], options?: { sync?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/** Journals open in this process: the pid in the lock file cannot tell two of them apart. */
const openHere = new Set<string>();

interface Batch {
  text: string;
  /** Some line in it must reach the disk before its append resolves. */
  sync: boolean;
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

export function createJournalFile(options: JournalFileOptions): JournalFile {
  const path = join(options.dir, options.name);
  const lockPath = join(options.dir, `${options.name}.lock`);
  let handle: FileHandle | undefined;
  let size = 0;
  let sizeAfterCompaction = 0;
  let next: Batch | undefined;
  let flushing: Promise<void> | undefined;
  let closed = false;
  /** A write failed part-way: the file may hold bytes past `size` that must be cut before the next write. */
  let torn = false;

  async function takeLock(): Promise<void> {
    if (openHere.has(lockPath)) {
      throw new ConfigError(
        `the intake journal in ${options.dir} is already open in this process: give each bot its own DATA_DIR`,
      );
    }
    await mkdir(options.dir, { recursive: true });
    try {
      await writeFile(lockPath, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processIsRunning(owner)) {
      throw new ConfigError(
        `the intake journal in ${options.dir} is in use by process ${owner}: give each replica its own DATA_DIR, or set REDIS_URL to share one queue`,
      );
    }
    await writeFile(lockPath, String(process.pid));
  }

  async function open_(): Promise<OpenedJournal> {
    await takeLock();
    openHere.add(lockPath);
    const content = await readFile(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return Buffer.alloc(0);
      throw error;
    });
    // Everything after the last newline is a torn write: cut it off so new lines start clean.
    const end = content.lastIndexOf(0x0a) + 1;
    let skipped = end < content.length ? 1 : 0;
    const lines: unknown[] = [];
    for (const text of content.toString('utf8', 0, end).split('\n')) {
      if (text === '') continue;
      const parsed = parseLine(text, options.lineStart);
      if (parsed === undefined) skipped += 1;
      else lines.push(parsed);
    }
    handle = await open(path, 'a');
    if (end < content.length) await handle.truncate(end);
    size = end;
    sizeAfterCompaction = end;
    return { lines, skipped };
  }

  async function write(text: string, sync: boolean): Promise<void> {
    if (!handle) throw new Error('journal is not open');
    if (torn) {
      await handle.truncate(size);
      torn = false;
    }
    const bytes = Buffer.from(text, 'utf8');
    try {
      const { bytesWritten } = await handle.write(bytes);
      if (bytesWritten < bytes.length) throw new JournalWriteError(bytesWritten, bytes.length);
      if (sync) await handle.datasync();
    } catch (error) {
      torn = true;
      // cut at once where possible: the torn bytes also hold space a full disk needs
      await handle
        .truncate(size)
        .then(() => (torn = false))
        .catch(() => undefined);
      throw error;
    }
    size += bytes.length;
  }

  async function compact(): Promise<void> {
    const text = options
      .snapshot()
      .map((line) => `${JSON.stringify(line)}\n`)
      .join('');
    const temporary = `${path}.compacting`;
    try {
      await writeFile(temporary, text, { flush: true });
    } catch (error) {
      await unlink(temporary).catch(() => undefined); // a half-written copy on a full disk only takes space
      throw error;
    }
    await rename(temporary, path);
    syncDirectory(options.dir);
    await handle?.close();
    handle = await open(path, 'a');
    size = Buffer.byteLength(text, 'utf8');
    sizeAfterCompaction = size;
  }

  async function flushLoop(): Promise<void> {
    while (next) {
      const batch = next;
      next = undefined;
      try {
        await write(batch.text, batch.sync);
        for (const waiter of batch.waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of batch.waiters) waiter.reject(error);
      }
      if (!closed && size > Math.max(options.compactMinBytes, 2 * sizeAfterCompaction)) {
        // A failed compaction leaves the old file in place: nothing is lost, it is tried again later.
        await compact().catch(() => undefined);
      }
    }
    flushing = undefined;
  }

  return {
    path,
    get size() {
      return size;
    },
    open: open_,
    append(lines, { sync = true } = {}) {
      if (closed) return Promise.reject(new Error('journal is closed'));
      const text = lines.map((line) => `${JSON.stringify(line)}\n`).join('');
      return new Promise<void>((resolve, reject) => {
        next ??= { text: '', sync: false, waiters: [] };
        next.text += text;
        next.sync ||= sync;
        next.waiters.push({ resolve, reject });
        flushing ??= flushLoop();
      });
    },
    async close() {
      closed = true;
      await flushing;
      await handle?.close();
      handle = undefined;
      await unlink(lockPath).catch(() => undefined);
      openHere.delete(lockPath);
    },
  };
}

/** A write to the journal that did not land whole (the disk or the file-size limit is full). */
export class JournalWriteError extends Error {
  readonly code = 'ESHORTWRITE';
  constructor(written: number, length: number) {
    super(`intake journal: short write (${written} of ${length} bytes; disk full?)`);
    this.name = 'JournalWriteError';
  }
}

/**
 * A journal line, or undefined. A line that does not parse may be a torn write with a whole line appended to
 * it (journals written before torn tails were cut): the last whole record in it is still recovered.
 */
function parseLine(text: string, lineStart: string | undefined): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const start = lineStart === undefined ? -1 : text.lastIndexOf(lineStart);
    if (start <= 0) return undefined;
    try {
      return JSON.parse(text.slice(start));
    } catch {
      return undefined;
    }
  }
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to another user). */
export function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Makes a rename durable: the directory entry itself must reach the disk. */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
