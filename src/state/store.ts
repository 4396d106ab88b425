// Cached lookups and card-callback replay marks: one interface, two implementations (memory, Redis).
// Accepted messages live elsewhere: the intake queue (intake-queue.ts).

export interface StateStore {
  /** Sets key to value only if it is absent; true when this call set it (SET NX PX). */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Sets key unconditionally with a TTL. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  get(key: string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
  /** Releases connections/timers. */
  close(): Promise<void>;
}
