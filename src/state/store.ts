// Dedupe marks and cached lookups: one interface, two implementations (memory, Redis).

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
