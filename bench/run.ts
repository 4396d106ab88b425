// `npm run bench`: how the /room bot's webhook and its Feishu usage perform, on loopback, in one run
// (about 2 minutes on 2 cores). Prints a short table; writes every figure to bench/results.json.
//
//   1. Ack path    signed + encrypted events: ours vs the SDK's documented Koa sample vs a bare Koa route
//   2. End to end  distinct /room messages through the emulator: replies/s, push→reply latency, API calls
//   3. API economy token and lookup calls, expected vs measured (exit code 1 if a rule is broken)
//   4. Memory      RSS and heap after 100,000 acked events with a small dedupe cap
//
// The load generator (autocannon) runs in this process; every server runs in its own child process
// (bench/servers.ts), so generator and server each get a core and no server inherits another's heap.
// Absolute figures depend on the machine and on whatever else it runs; the ratios are the result.
//
// Settings (environment): BENCH_SLICE_SECONDS (2), BENCH_ROUNDS (5), BENCH_RATE_ROUNDS (3),
// BENCH_CONNECTIONS (32), BENCH_RATE (1000), BENCH_E2E_MESSAGES (2000), BENCH_MEMORY_EVENTS (100000),
// BENCH_DEDUPE_CAP (20000), BENCH_RESULTS (bench/results.json; "" = none), BENCH_PROFILE (a directory:
// CPU profiles of each server over the saturation rounds, and a summary of ours), BENCH_STRICT=1 (a
// missed performance target also fails the run; by default only broken rules and errors do).
import { setMaxListeners } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator } from '../src/emulator/index.js';
import { API_NAMES } from './lib/api-calls.js';
import { BENCH_APP, botEnv, REPO_ROOT } from './lib/app.js';
import { CHATTER, PushPool } from './lib/events.js';
import { describeMachine } from './lib/machine.js';
import { summarizeProfile, type ProfileSummary } from './lib/profile.js';
import type { TargetName } from './lib/protocol.js';
import { generateRooms } from './lib/rooms.js';
import type { RuleResult } from './lib/rules.js';
import { mb, num, table } from './lib/table.js';
import { runAckPhase, type AckTargetResult } from './phases/ack.js';
import { runEndToEndPhase, type E2eResult } from './phases/e2e.js';
import { runEconomyPhase } from './phases/economy.js';
import { runMemoryPhase } from './phases/memory.js';

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

const SETTINGS = {
  ack: {
    warmupSeconds: setting('BENCH_SLICE_SECONDS', 2),
    sliceSeconds: setting('BENCH_SLICE_SECONDS', 2),
    rounds: setting('BENCH_ROUNDS', 5),
    connections: setting('BENCH_CONNECTIONS', 32),
    rate: setting('BENCH_RATE', 1000),
    rateRounds: setting('BENCH_RATE_ROUNDS', 3),
    rateConnections: 10,
  },
  e2e: { messages: setting('BENCH_E2E_MESSAGES', 2000), users: 16, soloMessages: 200, roomPrefix: 'e2e-room' },
  economy: { roomPrefix: 'econ-room', k: 120, concurrent: 50, shortTtlMs: 1000 },
  memory: {
    events: setting('BENCH_MEMORY_EVENTS', 100_000),
    step: setting('BENCH_MEMORY_EVENTS', 100_000) / 4,
    dedupeCap: setting('BENCH_DEDUPE_CAP', 20_000),
    connections: 32,
    maxSecondHalfGrowthBytes: 8 * 1024 * 1024,
  },
};

const TARGETS = { ours: 'ours', sdk: 'SDK sample', bare: 'bare Koa' } satisfies Record<TargetName, string>;
const GOALS = { vsSdk: 2, vsBare: 0.5, p99Ms: 10 };

const progress = (line: string) => process.stderr.write(`  … ${line}\n`);
const say = (text = '') => process.stdout.write(`${text}\n`);
const ms = (value: number) => num(value, 2);

async function main(): Promise<number> {
  const started = performance.now();
  const machine = describeMachine();
  const profileDir = process.env.BENCH_PROFILE || undefined;
  say(`/room bot benchmark · ${machine.cpu} · ${machine.cores} cores · Node ${machine.node} ${machine.platform} · ${machine.memoryGb} GB · load average ${num(machine.loadAverage, 2)} at start`);
  say(`autocannon ${machine.autocannon} in the parent process; each server in its own child process; all traffic on 127.0.0.1`);
  if (profileDir) say(`CPU profiling on (BENCH_PROFILE=${profileDir}): throughput figures are lower than without it`);

  // The emulator's pusher adds an abort listener per push in flight; 16 users exceed Node's default warning level of 10.
  setMaxListeners(64);
  const rooms = [...generateRooms(SETTINGS.e2e.roomPrefix, SETTINGS.e2e.messages + SETTINGS.e2e.soloMessages + 4), ...generateRooms(SETTINGS.economy.roomPrefix, 250)];
  const emulator = await startEmulator({ ...BENCH_APP, rooms });
  const failures: string[] = [];
  const misses: string[] = [];
  try {
    progress('signing the event pool');
    const pool = new PushPool(emulator.identity, BENCH_APP.encryptKey, CHATTER);
    pool.ensure(40_000);

    // 1. Ack path
    const ackMark = emulator.requests.length;
    const specs = (['ours', 'sdk', 'bare'] as const).map((target) => ({ target, env: botEnv(emulator.url, { QUEUE_MAX_PENDING: '1000000' }) }));
    const ack = await runAckPhase(specs, pool, SETTINGS.ack, progress, profileDir);
    const ackCalls = emulator.requests.length - ackMark;
    const ackTable = reportAck(ack, ackCalls, failures, misses);
    let profile: ProfileSummary | undefined;
    if (profileDir) profile = summarizeProfile(join(profileDir, 'ours.cpuprofile'), byTarget(ack).ours.saturation.ok);

    // 2. End to end (+ the rules only the whole bot can show)
    progress(`end to end: ${SETTINGS.e2e.messages} /room messages`);
    const e2e = await runEndToEndPhase(emulator, SETTINGS.e2e);
    reportEndToEnd(e2e.runs, failures);

    // 3. API economy
    progress('API economy');
    const rules = [...(await runEconomyPhase(emulator, SETTINGS.economy)), ...e2e.rules];
    reportRules(rules, failures);

    // 4. Memory
    const memory = await runMemoryPhase(emulator.url, pool, SETTINGS.memory, progress);
    reportMemory(memory, failures);

    if (profile) reportProfile(profile, profileDir!);

    const seconds = (performance.now() - started) / 1000;
    say();
    say(`Result: ${misses.length === 0 ? 'all performance targets met' : `missed — ${misses.join('; ')}`}.`);
    say(failures.length === 0 ? 'No rule broken, no error.' : `FAILED — ${failures.join('; ')}.`);
    say(`Took ${num(seconds, 0)} s.`);

    const resultsPath = process.env.BENCH_RESULTS ?? join(REPO_ROOT, 'bench', 'results.json');
    if (resultsPath) {
      const results = { machine, settings: SETTINGS, goals: GOALS, ack: ackTable, ackRuns: ack, ackFeishuCalls: ackCalls, e2e: e2e.runs, rules, memory, profile, misses, failures, seconds };
      writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
      say(`All figures: ${resultsPath}`);
    }
  } finally {
    await emulator.close();
  }
  if (failures.length > 0) return 1;
  return misses.length > 0 && process.env.BENCH_STRICT === '1' ? 1 : 0;
}

function byTarget(results: AckTargetResult[]): Record<TargetName, AckTargetResult> {
  const found = Object.fromEntries(results.map((r) => [r.target, r])) as Partial<Record<TargetName, AckTargetResult>>;
  if (!found.ours || !found.sdk || !found.bare) throw new Error('ack phase lost a target');
  return found as Record<TargetName, AckTargetResult>;
}

function reportAck(results: AckTargetResult[], feishuCalls: number, failures: string[], misses: string[]) {
  const { ours, sdk, bare } = byTarget(results);
  const { ack } = SETTINGS;
  say();
  say('1. Ack path: signed + encrypted im.message.receive_v1, a distinct message_id per push, the same pushes for all three');
  say(`   Events are group chatter that does not @mention the bot: ours verifies the signature, decrypts, checks the token,`);
  say(`   records a dedupe mark, queues the event and its handler ignores it: no Feishu call (${feishuCalls} made during the phase).`);
  say(`   Saturation: ${ack.connections} connections, ${ack.rounds} × ${ack.sliceSeconds} s per target, targets taking turns; fixed rate:`);
  say(`   ${ack.rate}/s over ${ack.rateConnections} connections (autocannon overallRate: each connection sends its share at the start of each second).`);
  say(`   The SDK sample has the same Encrypt Key and Verification Token: it checks the signature and decrypts (it does not check`);
  say(`   the token or the timestamp) and answers 204. CPU µs/event = the server process's CPU time (user + system, work after`);
  say(`   the answer included) per answered event.`);
  say();
  const rows = results.map((r) => [
    TARGETS[r.target],
    r.saturation.okPerSecond,
    ms(r.saturation.p50Ms),
    ms(r.saturation.p99Ms),
    r.saturation.serverCpuPerEventMicros,
    r.saturation.non2xx + r.saturation.errors,
    ms(r.fixedRate.p50Ms),
    ms(r.fixedRate.p99Ms),
    r.fixedRate.non2xx + r.fixedRate.errors,
  ]);
  say(table(['target', 'events/s', 'p50 ms', 'p99 ms', 'CPU µs/event', 'non-2xx', `p50 ms @${ack.rate}/s`, `p99 ms @${ack.rate}/s`, 'non-2xx'], rows));

  const vsSdk = ours.saturation.okPerSecond / sdk.saturation.okPerSecond;
  const vsBare = ours.saturation.okPerSecond / bare.saturation.okPerSecond;
  const ceiling = bare.saturation.okPerSecond / sdk.saturation.okPerSecond;
  const verdict = (pass: boolean, name: string) => {
    if (!pass) misses.push(name);
    return pass ? 'PASS' : 'MISS';
  };
  say();
  say(
    table(
      ['target', 'goal', 'measured', 'verdict'],
      [
        ['ours / SDK sample, events/s', `≥ ${GOALS.vsSdk}×`, `${num(vsSdk, 2)}×`, verdict(vsSdk >= GOALS.vsSdk, `ours/SDK ${num(vsSdk, 2)}× (goal ≥ ${GOALS.vsSdk}×)`)],
        ['ours / bare Koa, events/s', `≥ ${GOALS.vsBare * 100} %`, `${num(vsBare * 100, 0)} %`, verdict(vsBare >= GOALS.vsBare, `ours/bare ${num(vsBare * 100, 0)} % (goal ≥ ${GOALS.vsBare * 100} %)`)],
        [`ours p99 at ${ack.rate} events/s`, `< ${GOALS.p99Ms} ms`, `${ms(ours.fixedRate.p99Ms)} ms`, verdict(ours.fixedRate.p99Ms < GOALS.p99Ms, `ours p99 ${ms(ours.fixedRate.p99Ms)} ms at ${ack.rate}/s`)],
        ['(bare Koa / SDK sample: the ceiling of ours / SDK)', '', `${num(ceiling, 2)}×`, ''],
        ['(ours / SDK sample, CPU µs per event)', '', `${num(ours.saturation.serverCpuPerEventMicros / sdk.saturation.serverCpuPerEventMicros, 2)}×`, ''],
      ],
    ),
  );

  for (const r of results) {
    const errors = r.saturation.non2xx + r.saturation.errors + r.fixedRate.non2xx + r.fixedRate.errors;
    if (errors > 0) failures.push(`${TARGETS[r.target]}: ${errors} non-2xx answers or errors (${JSON.stringify({ ...r.saturation.statusCodes })})`);
    if (r.handled !== undefined && r.handled < r.okAnswers) failures.push(`${TARGETS[r.target]}: ${r.okAnswers} 2xx answers but only ${r.handled} events handled (verification failed?)`);
  }
  if (ours.repeats > 0) failures.push(`ours was sent ${ours.repeats} repeated message_ids (event pool too small)`);
  if (feishuCalls > 0) failures.push(`${feishuCalls} Feishu calls during the ack phase (expected none)`);
  return { vsSdk, vsBare, bareVsSdk: ceiling, oursP99AtRateMs: ours.fixedRate.p99Ms };
}

function reportEndToEnd(runs: E2eResult[], failures: string[]) {
  const [load] = runs;
  say();
  say(`2. End to end: distinct /room messages (p2p, each asking for a room ID never asked before: a cold cache), each user`);
  say('   sending the next message when the previous one is answered; latency = emulator push start → reply recorded');
  say(`   (${load?.users ?? 0} users keep the bot busy: their latency is mostly waiting in line; 1 user shows a message that waits for`);
  say('   nothing). Feishu calls per message from the emulator request log; bot CPU = the bot process\'s CPU time per message.');
  say();
  say(
    table(
      ['messages', 'users', 'replies/s', 'p50 ms', 'p99 ms', 'max ms', 'bot CPU ms/msg', ...API_NAMES.map((name) => `${name}/msg`), 'unacked'],
      runs.map((r) => [
        r.messages,
        r.users,
        r.repliesPerSecond,
        ms(r.p50Ms),
        ms(r.p99Ms),
        ms(r.maxMs),
        ms(r.botCpuPerMessageMicros / 1000),
        ...API_NAMES.map((name) => num(r.callsPerMessage[name], 3)),
        r.unacknowledged,
      ]),
    ),
  );
  if (load) say(`   Bot counters after the ${load.users}-user run: ${load.bot.tokenFetches} token fetch, ${num(load.bot.batchGetIdCalls)} batch_get_id, ${num(load.bot.batchGetCalls)} batch_get, ${num(load.bot.replyCalls)} reply calls.`);
  for (const r of runs) {
    if (r.unacknowledged > 0) failures.push(`${r.unacknowledged} end-to-end pushes were not acknowledged`);
    if (r.calls.reply !== r.messages) failures.push(`${r.calls.reply} replies for ${r.messages} messages`);
  }
}

function reportRules(rules: RuleResult[], failures: string[]) {
  say();
  say('3. API economy: expected vs measured Feishu calls (emulator log; the bot/adapter counter must agree)');
  say();
  say(
    table(
      ['rule', 'calls counted', 'expected', 'measured', 'counter', 'ok'],
      rules.map((r) => [r.rule, r.measure, r.expected, r.measured, r.botCounter === undefined ? '–' : num(r.botCounter), r.ok ? 'yes' : 'NO']),
    ),
  );
  for (const r of rules) if (!r.ok) failures.push(`rule broken: ${r.rule} — ${r.measure} expected ${r.expected}, measured ${r.measured}`);
}

function reportMemory(result: Awaited<ReturnType<typeof runMemoryPhase>>, failures: string[]) {
  say();
  say(`4. Memory: ${num(SETTINGS.memory.events)} distinct acked events into one bot, DEDUPE_MAX_ENTRIES=${num(result.dedupeCap)}; after each step a full GC`);
  say();
  const first = result.checkpoints[0]!;
  say(
    table(
      ['events', 'RSS MB', 'RSS growth MB', 'heap MB', 'heap growth MB'],
      result.checkpoints.map((c) => [c.events, mb(c.rssBytes), mb(c.rssBytes - first.rssBytes), mb(c.heapUsedBytes), mb(c.heapUsedBytes - first.heapUsedBytes)]),
    ),
  );
  const limit = mb(SETTINGS.memory.maxSecondHalfGrowthBytes);
  say(`   Heap growth over the second half: ${mb(result.secondHalfHeapGrowthBytes)} MB (bounded if < ${limit} MB): ${result.bounded ? 'bounded' : 'NOT BOUNDED'}.`);
  if (!result.bounded) failures.push(`memory not bounded: heap grew ${mb(result.secondHalfHeapGrowthBytes)} MB over the second half`);
  if (result.non2xx > 0) failures.push(`memory phase: ${result.non2xx} non-2xx answers or errors`);
}

function reportProfile(profile: ProfileSummary, dir: string) {
  say();
  say(`Profile of ours over the saturation rounds (${dir}/ours.cpuprofile; busy ${num(profile.busyMs, 0)} ms):`);
  say();
  say(table(['self time', 'share', 'µs/event'], profile.self.map((line) => [line.name, `${num(line.share * 100, 1)} %`, num(line.microsPerEvent, 1)])));
  say();
  say(table(['our functions, inclusive', 'share', 'µs/event'], profile.ours.map((line) => [line.name, `${num(line.share * 100, 1)} %`, num(line.microsPerEvent, 1)])));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('benchmark failed:', error);
    process.exit(1);
  },
);
