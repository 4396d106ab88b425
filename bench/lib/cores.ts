// Which cores the servers under test and the load get. On a machine of a few cores, a server and the load
// generator left to the scheduler share them by turns: the SDK sample's garbage collector, the generator's
// own work and whatever else runs land on the server's core at random, and its figures move by ±30 % from
// run to run. So, where `taskset` exists and there are at least 2 cores, each server process runs alone on
// core 0 (all its threads: its collector and its file writes count as its own cost), and this process
// (autocannon, the emulator, the challenge prober, redis-server) on the others. BENCH_PIN=0 turns it off.
import { spawnSync } from 'node:child_process';
import os from 'node:os';

export interface CorePlan {
  /** Cores as taskset's --cpu-list takes them; undefined: not pinned. */
  server?: string;
  load?: string;
  /** Why there is no pinning, when there is none. */
  unpinnedBecause?: string;
}

function plan(): CorePlan {
  if (process.env.BENCH_PIN === '0') return { unpinnedBecause: 'BENCH_PIN=0' };
  const cores = os.availableParallelism();
  if (cores < 2) return { unpinnedBecause: 'a single core' };
  if (spawnSync('taskset', ['--version']).status !== 0) return { unpinnedBecause: 'no taskset on this machine' };
  return { server: '0', load: cores === 2 ? '1' : `1-${cores - 1}` };
}

export const CORES: CorePlan = plan();

/** Moves this process, every thread of it, to the load's cores; what it starts afterwards inherits them. */
export function pinThisProcessToLoadCores(): void {
  if (!CORES.load) return;
  const pinned = spawnSync('taskset', ['--all-tasks', '--pid', '--cpu-list', CORES.load, String(process.pid)]);
  if (pinned.status !== 0)
    throw new Error(`taskset could not pin the benchmark to cores ${CORES.load}: ${pinned.stderr.toString().trim()}`);
}

/** How to fork a server so that it starts on the server's core: fork()'s execPath and the arguments before node's own. */
export function serverLauncher(): { execPath: string; prefixArgs: string[] } {
  return CORES.server
    ? { execPath: 'taskset', prefixArgs: ['--cpu-list', CORES.server, process.execPath] }
    : { execPath: process.execPath, prefixArgs: [] };
}

export function describeCores(): string {
  return CORES.server
    ? `each server alone on core ${CORES.server}, the load generator and the emulator on core${CORES.load!.includes('-') ? 's' : ''} ${CORES.load} (taskset)`
    : `not pinned to cores (${CORES.unpinnedBecause})`;
}
