// Phase 2, end to end: /room messages pushed by the emulator to ours (in a child process), answered through
// the emulator's Open API: a capacity run and a solo run with the emulator answering at once, then runs at
// 1, 16 and 64 users with every Feishu answer delayed as Feishu's are (cold cache, then the same rooms
// cached), each next to its critical path; then API-economy rules checked through the whole bot.
import type { ApiLatency, Emulator, RecordedReply } from '../../src/emulator/index.js';
import type { BotStats } from '../../src/service.js';
import { callsSince, type ApiCounts } from '../lib/api-calls.js';
import { botEnv } from '../lib/app.js';
import { startServerChild, type ServerChild } from '../lib/child.js';
import { quantile } from '../lib/load.js';
import { customIds } from '../lib/rooms.js';
import { rule, type RuleResult } from '../lib/rules.js';

export interface E2eSettings {
  /** Messages of the capacity run (no Feishu latency, cold cache). */
  messages: number;
  /** Users of the capacity run; each sends its next message when the reply to the previous one arrived. */
  users: number;
  /** A second, short run with one user and no Feishu latency: what the bot itself adds to a message. */
  soloMessages: number;
  /** custom_room_id prefix of rooms the emulator knows: e2eRoomsNeeded(settings) of them. */
  roomPrefix: string;
  /** The runs with every Feishu answer delayed, as Feishu's round trips are: cold, then the same rooms cached. */
  latency: LatencySettings;
}

export interface LatencySettings {
  /** Each Open API answer waits fixedMs ± jitterMs (uniform); fixedMs 0 leaves these runs out. */
  fixedMs: number;
  jitterMs: number;
  users: readonly number[];
  /** Messages of one run: users × messagesPerUser, at least minMessages. */
  messagesPerUser: number;
  minMessages: number;
}

export type CacheState = 'cold' | 'cached';

export interface E2eResult {
  /** 'capacity': many users, no Feishu latency; 'solo': one user, no latency; 'latency': Feishu's latency. */
  run: 'capacity' | 'solo' | 'latency';
  /** 'cold': each message asks for a room never asked before; 'cached': rooms asked within the caches' TTL. */
  cache: CacheState;
  messages: number;
  users: number;
  /** The delay of each Feishu answer during the run (0 ± 0: none). */
  feishuLatency: ApiLatency;
  seconds: number;
  repliesPerSecond: number;
  /** From the start of the push to the reply recorded by the emulator, in ms. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  calls: ApiCounts;
  callsPerMessage: Record<keyof ApiCounts, number>;
  /** The Feishu round trips a message cannot do without, one after another, and their nominal time. */
  criticalPath: { roundTrips: number; ms: number };
  /** Pushes not answered 200 in time (Feishu would re-deliver them). */
  unacknowledged: number;
  /** CPU time of the bot process per message (user + system), in microseconds. */
  botCpuPerMessageMicros: number;
  /** CPU time of this process (the emulator's pushes and answers, the users) per message, in microseconds. */
  loadCpuPerMessageMicros: number;
  bot: BotStats;
}

/** Rooms the emulator must know for the phase: every cold message asks for one never asked before, + 4 for the rules. */
export function e2eRoomsNeeded(settings: E2eSettings): number {
  const latencyRuns = settings.latency.fixedMs > 0 ? settings.latency.users : [];
  return (
    settings.messages +
    settings.soloMessages +
    latencyRuns.reduce((sum, users) => sum + latencyRunMessages(settings.latency, users), 0) +
    4
  );
}

function latencyRunMessages(latency: LatencySettings, users: number): number {
  return Math.max(latency.minMessages, users * latency.messagesPerUser);
}

/**
 * The round trips that cannot overlap, read off the calls the run made: batch_get_id (when a mapping was asked),
 * then batch_get and freebusy side by side (when either was), then the reply.
 */
export function criticalRoundTrips(perMessage: Record<keyof ApiCounts, number>): number {
  const asked = (n: number) => (n >= 0.5 ? 1 : 0);
  return asked(perMessage.batch_get_id) + asked(Math.max(perMessage.batch_get, perMessage.freebusy)) + 1;
}

/** Resolves per message when the emulator records the bot's reply to it. */
function replyWatcher(emulator: Emulator) {
  const waiting = new Map<string, (reply: RecordedReply) => void>();
  const stop = emulator.onReply((reply) => waiting.get(reply.parentMessageId)?.(reply));
  return {
    replyTo(messageId: string, timeoutMs = 30_000): Promise<RecordedReply> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply to ${messageId} within ${timeoutMs} ms`)), timeoutMs);
        waiting.set(messageId, (reply) => {
          clearTimeout(timer);
          waiting.delete(messageId);
          resolve(reply);
        });
      });
    },
    stop,
  };
}

type Watcher = ReturnType<typeof replyWatcher>;

/** Pushes one /room message and waits for its reply; resolves with the push-to-reply time in ms. */
async function ask(emulator: Emulator, watcher: Watcher, text: string): Promise<{ ms: number; acknowledged: boolean }> {
  const message = emulator.createMessage({ text });
  const replied = watcher.replyTo(message.messageId);
  const started = performance.now();
  const delivery = await emulator.deliverEnvelope(message.envelope);
  await replied;
  return { ms: performance.now() - started, acknowledged: delivery.acknowledged };
}

interface RunSpec {
  run: E2eResult['run'];
  cache: CacheState;
  /** The message i asks for room `${roomPrefix}-${from + i}`. */
  from: number;
  messages: number;
  users: number;
}

/** `messages` /room messages, each asking for one room, `users` at a time. */
async function runLoad(
  emulator: Emulator,
  watcher: Watcher,
  child: ServerChild,
  roomPrefix: string,
  spec: RunSpec,
): Promise<E2eResult> {
  const { messages, users, from } = spec;
  const feishuLatency = emulator.apiLatency();
  const mark = emulator.requests.length;
  const cpuBefore = (await child.stats()).cpuMicros;
  const loadCpuBefore = process.cpuUsage();
  const latencies = new Float64Array(messages);
  let next = 0;
  let unacknowledged = 0;
  const started = performance.now();
  const user = async () => {
    for (let i = next++; i < messages; i = next++) {
      const answer = await ask(emulator, watcher, `/room ${roomPrefix}-${from + i}`);
      latencies[i] = answer.ms;
      if (!answer.acknowledged) unacknowledged += 1;
    }
  };
  await Promise.all(Array.from({ length: users }, user));
  const seconds = (performance.now() - started) / 1000;
  const loadCpu = process.cpuUsage(loadCpuBefore);
  latencies.sort();
  // the emulator logs a call after answering it: wait until the bot has its last answer
  const after = await child.idle();
  const bot = after.bot!;
  const calls = callsSince(emulator, mark);
  const perMessage = (n: number) => n / messages;
  const callsPerMessage = Object.fromEntries(Object.entries(calls).map(([api, n]) => [api, perMessage(n)])) as Record<
    keyof ApiCounts,
    number
  >;
  const roundTrips = criticalRoundTrips(callsPerMessage);
  return {
    run: spec.run,
    cache: spec.cache,
    messages,
    users,
    feishuLatency,
    seconds,
    repliesPerSecond: messages / seconds,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    maxMs: quantile(latencies, 1),
    calls,
    callsPerMessage,
    criticalPath: { roundTrips, ms: roundTrips * feishuLatency.fixedMs },
    unacknowledged,
    botCpuPerMessageMicros: (after.cpuMicros - cpuBefore) / messages,
    loadCpuPerMessageMicros: (loadCpu.user + loadCpu.system) / messages,
    bot,
  };
}

/** The rules that only the whole bot can show: repeated and concurrent identical messages, one token. */
async function checkRules(
  emulator: Emulator,
  watcher: Watcher,
  child: ServerChild,
  settings: E2eSettings,
  from: number,
  phaseMark: number,
): Promise<RuleResult[]> {
  const [a, b, c, d] = customIds(settings.roomPrefix, from, 4);
  const results: RuleResult[] = [];

  await ask(emulator, watcher, `/room ${a} ${b}`);
  let mark = emulator.requests.length;
  await ask(emulator, watcher, `/room ${a} ${b}`);
  // a reply is seen before the emulator logs its call (it logs after answering): count once the bot has its answers
  await child.idle();
  let calls = callsSince(emulator, mark);
  results.push(
    rule(
      'bot: the same /room message again within the cache TTL',
      'batch_get_id + batch_get calls',
      0,
      calls.batch_get_id + calls.batch_get,
    ),
  );

  // Hold the first batch_get_id 300 ms so all ten messages are in flight together.
  const concurrent = 10;
  emulator.faults.inject({ api: 'batch_get_id', kind: 'latency', latencyMs: 300, times: 1 });
  mark = emulator.requests.length;
  await Promise.all(Array.from({ length: concurrent }, () => ask(emulator, watcher, `/room ${c} ${d}`)));
  await child.idle();
  calls = callsSince(emulator, mark);
  results.push(
    rule(
      `bot: ${concurrent} identical /room messages at once (cold cache)`,
      'batch_get_id calls',
      1,
      calls.batch_get_id,
    ),
  );
  results.push(
    rule(`bot: ${concurrent} identical /room messages at once (cold cache)`, 'batch_get calls', 1, calls.batch_get),
  );
  results.push(
    rule(`bot: ${concurrent} identical /room messages at once (cold cache)`, 'reply calls', concurrent, calls.reply),
  );

  const stats = (await child.idle()).bot!;
  const tokenCalls = callsSince(emulator, phaseMark).token;
  results.push(
    rule(
      `bot: one tenant token for the whole phase (${settings.users} users at once)`,
      'token calls',
      1,
      tokenCalls,
      stats.tokenFetches,
    ),
  );
  return results;
}

export async function runEndToEndPhase(
  emulator: Emulator,
  settings: E2eSettings,
  progress: (line: string) => void = () => {},
  /** When set, the bot's CPU profile over the capacity run is written to this file. */
  profilePath?: string,
): Promise<{ runs: E2eResult[]; rules: RuleResult[] }> {
  const phaseMark = emulator.requests.length;
  const child = await startServerChild({ target: 'ours', env: botEnv(emulator.url) });
  const previousTargets = emulator.eventTargets();
  emulator.setEventTargets(child.eventUrl);
  const watcher = replyWatcher(emulator);
  const run = (spec: RunSpec) => runLoad(emulator, watcher, child, settings.roomPrefix, spec);
  let from = 0;
  const fresh = (count: number) => {
    const first = from;
    from += count;
    return first;
  };
  try {
    const runs: E2eResult[] = [];
    progress(`end to end: ${settings.messages} /room messages, ${settings.users} users, no Feishu latency`);
    if (profilePath) await child.profileStart();
    runs.push(
      await run({
        run: 'capacity',
        cache: 'cold',
        from: fresh(settings.messages),
        messages: settings.messages,
        users: settings.users,
      }),
    );
    if (profilePath) await child.profileStop(profilePath);
    runs.push(
      await run({
        run: 'solo',
        cache: 'cold',
        from: fresh(settings.soloMessages),
        messages: settings.soloMessages,
        users: 1,
      }),
    );
    const { latency } = settings;
    if (latency.fixedMs > 0) {
      emulator.setApiLatency({ fixedMs: latency.fixedMs, jitterMs: latency.jitterMs });
      try {
        for (const users of latency.users) {
          const messages = latencyRunMessages(latency, users);
          progress(`end to end with Feishu latency ${latency.fixedMs} ± ${latency.jitterMs} ms: ${users} users`);
          const first = fresh(messages);
          // cold: rooms never asked before; cached: the same rooms again, within the lookup and free/busy TTLs
          runs.push(await run({ run: 'latency', cache: 'cold', from: first, messages, users }));
          runs.push(await run({ run: 'latency', cache: 'cached', from: first, messages, users }));
        }
      } finally {
        emulator.setApiLatency({ fixedMs: 0, jitterMs: 0 });
      }
    }
    const rules = await checkRules(emulator, watcher, child, settings, from, phaseMark);
    return { runs, rules };
  } finally {
    watcher.stop();
    emulator.setEventTargets(previousTargets.eventUrl, previousTargets.cardUrl);
    await child.stop();
  }
}
