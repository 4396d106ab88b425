// Phase 2, end to end: distinct /room messages pushed by the emulator to ours (in a child process),
// answered through the emulator's Open API; then three API-economy rules checked through the whole bot.
import type { Emulator, RecordedReply } from '../../src/emulator/index.js';
import type { BotStats } from '../../src/service.js';
import { callsSince, type ApiCounts } from '../lib/api-calls.js';
import { botEnv } from '../lib/app.js';
import { startServerChild, type ServerChild } from '../lib/child.js';
import { quantile } from '../lib/load.js';
import { customIds } from '../lib/rooms.js';
import { rule, type RuleResult } from '../lib/rules.js';

export interface E2eSettings {
  messages: number;
  /** Users sending at once; each sends its next message when the reply to the previous one arrived. */
  users: number;
  /** A second, short run with one user: the latency of a message that waits for nothing. */
  soloMessages: number;
  /** custom_room_id prefix of rooms the emulator knows: messages + soloMessages + 4 of them. */
  roomPrefix: string;
}

export interface E2eResult {
  /** 'load': `users` at once; 'solo': one user, one message at a time. */
  run: 'load' | 'solo';
  messages: number;
  users: number;
  seconds: number;
  repliesPerSecond: number;
  /** From the start of the push to the reply recorded by the emulator, in ms. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  calls: ApiCounts;
  callsPerMessage: Record<keyof ApiCounts, number>;
  /** Pushes not answered 200 in time (Feishu would re-deliver them). */
  unacknowledged: number;
  /** CPU time of the bot process per message (user + system), in microseconds. */
  botCpuPerMessageMicros: number;
  bot: BotStats;
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

/** Messages `from`…`from + messages - 1`, each asking for its own room, `users` at a time. */
async function runLoad(
  emulator: Emulator,
  watcher: Watcher,
  child: ServerChild,
  settings: E2eSettings,
  from: number,
  users: number,
): Promise<E2eResult> {
  const { messages } = settings;
  const mark = emulator.requests.length;
  const cpuBefore = (await child.stats()).cpuMicros;
  const latencies = new Float64Array(messages);
  let next = 0;
  let unacknowledged = 0;
  const started = performance.now();
  const user = async () => {
    for (let i = next++; i < messages; i = next++) {
      const answer = await ask(emulator, watcher, `/room ${settings.roomPrefix}-${from + i}`);
      latencies[i] = answer.ms;
      if (!answer.acknowledged) unacknowledged += 1;
    }
  };
  await Promise.all(Array.from({ length: users }, user));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort();
  // the emulator logs a call after answering it: wait until the bot has its last answer
  const after = await child.idle();
  const bot = after.bot!;
  const calls = callsSince(emulator, mark);
  const perMessage = (n: number) => n / messages;
  return {
    run: users === 1 ? 'solo' : 'load',
    messages,
    users,
    seconds,
    repliesPerSecond: settings.messages / seconds,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    maxMs: quantile(latencies, 1),
    calls,
    callsPerMessage: {
      token: perMessage(calls.token),
      batch_get_id: perMessage(calls.batch_get_id),
      batch_get: perMessage(calls.batch_get),
      freebusy: perMessage(calls.freebusy),
      reply: perMessage(calls.reply),
      bot_info: perMessage(calls.bot_info),
      building_list: perMessage(calls.building_list),
      room_list: perMessage(calls.room_list),
      room_levels: perMessage(calls.room_levels),
      vc_rooms: perMessage(calls.vc_rooms),
    },
    unacknowledged,
    botCpuPerMessageMicros: (after.cpuMicros - cpuBefore) / messages,
    bot,
  };
}

/** The rules that only the whole bot can show: repeated and concurrent identical messages, one token. */
async function checkRules(
  emulator: Emulator,
  watcher: Watcher,
  child: ServerChild,
  settings: E2eSettings,
  phaseMark: number,
): Promise<RuleResult[]> {
  const [a, b, c, d] = customIds(settings.roomPrefix, settings.messages + settings.soloMessages, 4);
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
): Promise<{ runs: E2eResult[]; rules: RuleResult[] }> {
  const phaseMark = emulator.requests.length;
  const child = await startServerChild({ target: 'ours', env: botEnv(emulator.url) });
  const previousTargets = emulator.eventTargets();
  emulator.setEventTargets(child.eventUrl);
  const watcher = replyWatcher(emulator);
  try {
    const load = await runLoad(emulator, watcher, child, settings, 0, settings.users);
    const solo = await runLoad(
      emulator,
      watcher,
      child,
      { ...settings, messages: settings.soloMessages },
      settings.messages,
      1,
    );
    const rules = await checkRules(emulator, watcher, child, settings, phaseMark);
    return { runs: [load, solo], rules };
  } finally {
    watcher.stop();
    emulator.setEventTargets(previousTargets.eventUrl, previousTargets.cardUrl);
    await child.stop();
  }
}
