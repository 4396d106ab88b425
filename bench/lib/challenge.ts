// URL verification under load (issue 3): when a Request URL is saved, Feishu sends a url_verification
// challenge (encrypted when an Encrypt Key is set, never signed) and gives the server 1 s to echo it.
// A prober child (bench/challenge-prober.ts) sends such challenges, spaced evenly over a load slice, and
// times each answer from the sender's side.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { TenantIdentity } from '../../src/emulator/index.js';
import { quantile } from './load.js';

/** Feishu's budget for the challenge answer (issue 3). */
export const CHALLENGE_BUDGET_MS = 1000;

export interface ChallengeSample {
  ms: number;
  ok: boolean;
  /** Why the answer was refused (not 200, wrong body, timeout). */
  problem?: string;
}

export interface ChallengeSummary {
  sent: number;
  refused: number;
  p50Ms: number;
  maxMs: number;
  withinBudget: boolean;
  problems: string[];
}

/** Parent → prober: send `count` challenges to `eventUrl`, spaced over `seconds`. */
export interface ProberRequest {
  id: number;
  eventUrl: string;
  count: number;
  seconds: number;
  identity: TenantIdentity;
  encryptKey: string;
}

/** Prober → parent; id 0 = ready. */
export interface ProberReply {
  id: number;
  samples: ChallengeSample[];
  error?: string;
}

const PROBER_ENTRY = fileURLToPath(new URL('../challenge-prober.ts', import.meta.url));

export interface ChallengeProbe {
  /** Sends `perSlice` challenges spaced over the next `seconds` (meant to run alongside a load slice). */
  during(seconds: number, eventUrl: string): Promise<void>;
  readonly samples: readonly ChallengeSample[];
  summary(): ChallengeSummary;
  stop(): Promise<void>;
}

export async function startChallengeProbe(
  identity: TenantIdentity,
  encryptKey: string,
  perSlice: number,
): Promise<ChallengeProbe> {
  const child: ChildProcess = fork(PROBER_ENTRY, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [ProberReply];
  if (ready.id !== 0) throw new Error('challenge prober did not start');
  const samples: ChallengeSample[] = [];
  let nextId = 1;
  return {
    samples,
    async during(seconds, eventUrl) {
      const id = nextId++;
      const answered = new Promise<ProberReply>((resolve, reject) => {
        const onMessage = (reply: ProberReply) => {
          if (reply.id !== id) return;
          child.off('message', onMessage);
          child.off('exit', onExit);
          resolve(reply);
        };
        const onExit = (code: number | null) => reject(new Error(`challenge prober exited (code ${code})`));
        child.on('message', onMessage);
        child.once('exit', onExit);
      });
      child.send({ id, eventUrl, count: perSlice, seconds, identity, encryptKey } satisfies ProberRequest);
      const reply = await answered;
      if (reply.error) throw new Error(`challenge prober: ${reply.error}`);
      samples.push(...reply.samples);
    },
    summary() {
      const sorted = Float64Array.from(samples.map((s) => s.ms)).sort();
      const refused = samples.filter((s) => !s.ok);
      const maxMs = quantile(sorted, 1);
      return {
        sent: samples.length,
        refused: refused.length,
        p50Ms: quantile(sorted, 0.5),
        maxMs,
        withinBudget: samples.length > 0 && refused.length === 0 && maxMs < CHALLENGE_BUDGET_MS,
        problems: [...new Set(refused.map((s) => s.problem ?? 'refused'))],
      };
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.disconnect();
      await exited;
    },
  };
}
