// At most `perSecond` calls started in any second, evenly spaced: a directory sync of a large tenant must never
// crowd out the lookups people are waiting for (Feishu's limits are per app).

export interface Pacer {
  /** Resolves when the next call may start. */
  wait(): Promise<void>;
}

export function createPacer(
  perSecond: number,
  clock: () => number = () => performance.now(),
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Pacer {
  const spacingMs = 1000 / perSecond;
  let next = 0;
  return {
    async wait() {
      const now = clock();
      const at = Math.max(now, next);
      next = at + spacingMs;
      if (at > now) await sleep(at - now);
    },
  };
}
