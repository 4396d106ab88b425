// What the benchmark parent and a server child (bench/servers.ts) say to each other over IPC.
import type { BotStats } from '../../src/service.js';

export type TargetName = 'ours' | 'sdk' | 'bare' | 'floor';

export interface ServerSpec {
  target: TargetName;
  /** ours: environment for loadConfig (see botEnv). */
  env?: Record<string, string>;
}

export interface ServerStats {
  rssBytes: number;
  heapUsedBytes: number;
  /** CPU time of the server process so far (user + system), in microseconds. */
  cpuMicros: number;
  /** Event-loop delay since the last `stats` request (resolution 10 ms), in ms. */
  loopDelay: { maxMs: number; p99Ms: number };
  /** sdk and bare: requests their handler saw (proves the SDK's signature check passed). */
  handled?: number;
  /** ours: the bot's counters (queue, Feishu calls). */
  bot?: BotStats;
}

export type ParentMessage =
  | { id: number; command: 'stats' | 'gc' | 'idle' | 'stop' | 'profile-start' }
  /** Stops the CPU profile started by profile-start and writes it (.cpuprofile JSON) to `path`. */
  | { id: number; command: 'profile-stop'; path: string };

export type ChildMessage =
  | { type: 'ready'; url: string; eventPath: string }
  | { type: 'reply'; id: number; stats?: ServerStats; error?: string };
