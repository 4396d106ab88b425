// `npm run bench`: how the /room bot's webhook and its Feishu usage perform, on loopback, in one run
// (about 2 minutes on 2 cores). Prints a short table; writes every figure to bench/results.json.
//
//   0. Start-up    spawn → first 200 from /healthz, and idle RSS: node dist/main.js vs npm start
//                  the build step (npm → sh → tsx → node)
//   1. Ack path    signed + encrypted events: ours, (a) with group chatter it ignores after verification and
//                  (b) with /room commands it records durably (local journal) and answers through an emulator,
//                  (c) the same with Redis (BullMQ; (a) is run with Redis too), vs the SDK's documented Koa
//                  sample vs a bare Koa route and the floor (bare Koa + signature, parse, decrypt); URL-verification challenges during (b)'s load; then (d) and (e),
//                  (a) and (b) over the long connection (the emulator pushes frames to the SDK's WSClient in ours)
//   2. End to end  distinct /room messages through the emulator: replies/s, push→reply latency, API calls
//   3. API economy token and lookup calls, expected vs measured (exit code 1 if a rule is broken)
//   4. Memory      RSS and heap after 100,000 acked events (1 in 10 a /room command) with a small dedupe cap
//   5. Parsing     parseCommand on hostile 100 KB messages ("[" floods, deep posts, …): the worst parse time
//
// The load generator (autocannon) runs in this process; every server runs in its own child process
// (bench/servers.ts), so generator and server each get a core and no server inherits another's heap.
// Every server runs at its default log level (ours: app.config.json's, the SDK: its own) with its stdout
// going to /dev/null: a log line per event costs what it costs. Absolute figures depend on the machine
// and on whatever else it runs; the ratios are the result.
//
// Settings (environment): BENCH_SLICE_SECONDS (2), BENCH_ROUNDS (5), BENCH_RATE_ROUNDS (3),
// BENCH_CONNECTIONS (32), BENCH_RATE (1000), BENCH_E2E_MESSAGES (2000), BENCH_MEMORY_EVENTS (100000),
// BENCH_DEDUPE_CAP (2500), BENCH_PARSE_RUNS (10), BENCH_STARTUP_RUNS (3), BENCH_PIN (1: servers on core 0, the rest on the
// others, bench/lib/cores.ts; 0: off), BENCH_LOG_LEVEL (ours' LOG_LEVEL; default app.config.json's), BENCH_RESULTS
// (bench/results.json; "" = none), BENCH_PROFILE (a directory: CPU profiles of each server over the
// saturation rounds, and a summary of ours), BENCH_STRICT=1 (a missed performance target also fails the
// run; by default only broken rules and errors do).
import { setMaxListeners } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../src/emulator/index.js';
import { API_NAMES } from './lib/api-calls.js';
import { BENCH_APP, benchConfig, botEnv, REPO_ROOT } from './lib/app.js';
import {
  CHALLENGE_BUDGET_MS,
  startChallengeProbe,
  type ChallengeSample,
  type ChallengeSummary,
} from './lib/challenge.js';
import { chatterEnvelopes, commandEnvelopes, PushPool } from './lib/events.js';
import { describeCores, pinThisProcessToLoadCores } from './lib/cores.js';
import { describeMachine } from './lib/machine.js';
import { summarizeProfile, type ProfileSummary } from './lib/profile.js';
import { customIds, generateRooms } from './lib/rooms.js';
import { rule, type RuleResult } from './lib/rules.js';
import { mb, num, table } from './lib/table.js';
import { startBenchRedis } from './lib/redis.js';
import { runAckPhase, type AckRow, type AckRowResult, type AckRowSpec } from './phases/ack.js';
import { longConnectionRows, type LongConnectionRows } from './phases/long-connection.js';
import { runEndToEndPhase, type E2eResult } from './phases/e2e.js';
import { runEconomyPhase } from './phases/economy.js';
import { runMemoryPhase } from './phases/memory.js';
import { DIRECTORY_GOALS, describeDirectory, runDirectoryPhaseInChild } from './phases/directory.js';
import { describeParse, runParsePhaseInChild } from './phases/parse.js';
import { runStartupPhase, STARTUP_COMMANDS, type StartupResult } from './phases/startup.js';

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

const SETTINGS = {
  startup: { runs: setting('BENCH_STARTUP_RUNS', 3), idleMs: 2000 },
  ack: {
    warmupSeconds: setting('BENCH_SLICE_SECONDS', 2),
    sliceSeconds: setting('BENCH_SLICE_SECONDS', 2),
    rounds: setting('BENCH_ROUNDS', 5),
    connections: setting('BENCH_CONNECTIONS', 32),
    rate: setting('BENCH_RATE', 1000),
    rateRounds: setting('BENCH_RATE_ROUNDS', 3),
    rateConnections: 10,
    /** Row (b): /room commands cycle over this many rooms (the first e2e rooms): one lookup each, then the cache. */
    commandRooms: 20,
    /** URL-verification challenges sent while row (b)'s saturation slices run, in all. */
    challenges: 20,
  },
  e2e: { messages: setting('BENCH_E2E_MESSAGES', 2000), users: 16, soloMessages: 200, roomPrefix: 'e2e-room' },
  economy: { roomPrefix: 'econ-room', k: 120, concurrent: 50, shortTtlMs: 1000 },
  memory: {
    events: setting('BENCH_MEMORY_EVENTS', 100_000),
    commandEvery: 10,
    step: setting('BENCH_MEMORY_EVENTS', 100_000) / 4,
    dedupeCap: setting('BENCH_DEDUPE_CAP', 2_500),
    connections: 32,
    maxSecondHalfGrowthBytes: 8 * 1024 * 1024,
    roomPrefix: 'e2e-room',
    rooms: 20,
  },
  parse: { bytes: 100_000, runs: setting('BENCH_PARSE_RUNS', 10), warmups: 25 },
};

const OURS_LOG_LEVEL = benchConfig(botEnv('http://127.0.0.1')).logLevel;

const ROWS = {
  ours: 'ours (a) ignored chatter, local journal',
  oursRedis: 'ours (a) ignored chatter, Redis',
  oursCommands: 'ours (b) /room commands, local journal',
  oursCommandsRedis: 'ours (c) /room commands, Redis',
  wsChatter: 'ours (d) ignored chatter, long connection',
  wsCommands: 'ours (e) /room commands, long connection, local journal',
  sdk: 'SDK sample',
  floor: 'floor: bare Koa + the crypto',
  bare: 'bare Koa',
} satisfies Record<AckRow, string>;
const GOALS = { vsSdk: 2, vsBare: 0.5, p99Ms: 10, startupReadyMs: 1000, startupRssMb: 110 };

const progress = (line: string) => process.stderr.write(`  … ${line}\n`);
const say = (text = '') => process.stdout.write(`${text}\n`);
const ms = (value: number) => num(value, 2);

async function main(): Promise<number> {
  const started = performance.now();
  const machine = describeMachine();
  const profileDir = process.env.BENCH_PROFILE || undefined;
  say(
    `/room bot benchmark · ${machine.cpu} · ${machine.cores} cores · Node ${machine.node} ${machine.platform} · ${machine.memoryGb} GB · load average ${num(machine.loadAverage, 2)} at start`,
  );
  say(
    `autocannon ${machine.autocannon} in the parent process; each server in its own child process; ${describeCores()}; all traffic on 127.0.0.1`,
  );
  if (profileDir) say(`CPU profiling on (BENCH_PROFILE=${profileDir}): throughput figures are lower than without it`);

  // The emulator's pusher adds an abort listener per push in flight; 16 users exceed Node's default warning level of 10.
  setMaxListeners(64);
  const rooms = [
    ...generateRooms(SETTINGS.e2e.roomPrefix, SETTINGS.e2e.messages + SETTINGS.e2e.soloMessages + 4),
    ...generateRooms(SETTINGS.economy.roomPrefix, 250),
  ];
  const emulator = await startEmulator({ ...BENCH_APP, rooms });
  const failures: string[] = [];
  const misses: string[] = [];
  try {
    // 5. Parsing runs first, in a process of its own (its figure is CPU time, to which another heap's garbage
    // would add its collector's), reported last.
    progress('parsing: hostile 100 KB messages');
    const parse = runParsePhaseInChild(SETTINGS.parse);

    // 0. Start-up, before the load phases: the machine is as quiet as this run will let it be
    const startup = await runStartupPhase(emulator.url, SETTINGS.startup, progress);
    reportStartup(startup, failures, misses);

    // from here on the servers run alone on their core, the load and the emulators on the others (start-up was
    // measured above with the whole machine, as a bot starts in production)
    pinThisProcessToLoadCores();
    progress('signing the event pool');
    const pool = new PushPool(BENCH_APP.encryptKey, chatterEnvelopes(emulator.identity));
    pool.ensure(40_000);

    // 1. Ack path
    const ack = await runAck(emulator, pool, profileDir);
    const ackReport = reportAck(ack, failures, misses);
    const profiles: Partial<Record<'ours' | 'oursCommands', ProfileSummary>> = {};
    if (profileDir) {
      for (const row of ['ours', 'oursCommands'] as const)
        profiles[row] = summarizeProfile(join(profileDir, `${row}.cpuprofile`), byRow(ack.rows)[row].saturation.ok);
    }

    // 2. End to end (+ the rules only the whole bot can show)
    progress(`end to end: ${SETTINGS.e2e.messages} /room messages`);
    const e2e = await runEndToEndPhase(emulator, SETTINGS.e2e);
    reportEndToEnd(e2e.runs, failures);

    // 3. API economy
    progress('API economy');
    const rules = [...(await runEconomyPhase(emulator, SETTINGS.economy)), ...e2e.rules, ...ackReport.rules];
    reportRules(rules, failures);

    // 4. Memory
    const memory = await runMemoryPhase(SETTINGS.memory, progress);
    reportMemory(memory, failures);

    // 5. Parsing
    say();
    say(describeParse(parse, SETTINGS.parse));
    if (!parse.pass) misses.push(`worst 100 KB parse ${ms(parse.worst.cpuMedianMs)} ms CPU (${parse.worst.name})`);

    // 6. The room directory (issue 19), in a process of its own (its memory figures)
    progress('room directory: 10,000 rooms in 500 buildings');
    const directory = runDirectoryPhaseInChild();
    say();
    say(describeDirectory(directory));
    if (directory.findCpuMs > DIRECTORY_GOALS.cpuMs || directory.freeCpuMs > DIRECTORY_GOALS.cpuMs)
      misses.push(`directory CPU per find/free ${ms(directory.findCpuMs)} / ${ms(directory.freeCpuMs)} ms`);
    if (directory.rssBytes > DIRECTORY_GOALS.rssBytes) misses.push(`directory memory ${mb(directory.rssBytes)} MB`);
    if (directory.freeCalls.directory > 0 || directory.freeCalls.freeBusy > DIRECTORY_GOALS.freeBusyCalls)
      failures.push(`/room free made ${JSON.stringify(directory.freeCalls)} calls`);

    for (const [row, profile] of Object.entries(profiles))
      reportProfile(ROWS[row as AckRow], profile, join(profileDir!, `${row}.cpuprofile`));

    const seconds = (performance.now() - started) / 1000;
    say();
    say(`Result: ${misses.length === 0 ? 'all performance targets met' : `missed — ${misses.join('; ')}`}.`);
    say(failures.length === 0 ? 'No rule broken, no error.' : `FAILED — ${failures.join('; ')}.`);
    say(`Took ${num(seconds, 0)} s.`);

    const resultsPath = process.env.BENCH_RESULTS ?? join(REPO_ROOT, 'bench', 'results.json');
    if (resultsPath) {
      const results = {
        machine,
        settings: SETTINGS,
        goals: GOALS,
        startup,
        ack: ackReport.table,
        ackRuns: ack.rows,
        ackFeishuCalls: ack.feishuCalls,
        challenges: { summary: ack.challenges, samples: ack.challengeSamples },
        e2e: e2e.runs,
        directory,
        rules,
        memory,
        parse,
        profiles,
        misses,
        failures,
        seconds,
      };
      writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
      say(`All figures: ${resultsPath}`);
    }
  } finally {
    await emulator.close();
  }
  if (failures.length > 0) return 1;
  return misses.length > 0 && process.env.BENCH_STRICT === '1' ? 1 : 0;
}

type CommandRow = 'oursCommands' | 'oursCommandsRedis' | 'wsCommands';
const COMMAND_ROW_LABELS: Record<CommandRow, string> = {
  oursCommands: '(b)',
  oursCommandsRedis: '(c)',
  wsCommands: '(e)',
};

interface CommandRowOutcome {
  /** The row's own emulator: replies posted, tokens issued. */
  replies: number;
  tokens: number;
}

interface AckOutcome {
  rows: AckRowResult[];
  /** Calls on the main emulator during the phase (by the (a) rows, which ignore every push): none expected. */
  feishuCalls: number;
  /** The /room command rows, each against an emulator of its own. */
  commands: Partial<Record<CommandRow, CommandRowOutcome>>;
  /** Why the Redis rows are missing, when they are. */
  redisSkipped?: string;
  challenges: ChallengeSummary;
  challengeSamples: ChallengeSample[];
}

/**
 * The command rows get an emulator each (their rooms: the first e2e rooms), closed after the phase: their
 * tens of thousands of replies would otherwise crowd the main emulator's request log, which later phases
 * count from. The Redis rows share one redis-server that persists every write (appendfsync always).
 */
async function runAck(emulator: Emulator, chatter: PushPool, profileDir: string | undefined): Promise<AckOutcome> {
  const { ack } = SETTINGS;
  const mark = emulator.requests.length;
  const redis = await startBenchRedis();
  const commandEmulators: Partial<Record<'oursCommands' | 'oursCommandsRedis', Emulator>> = {};
  let probe: Awaited<ReturnType<typeof startChallengeProbe>> | undefined;
  let longConnection: LongConnectionRows | undefined;
  try {
    const env = (domain: string, extra: Record<string, string> = {}) =>
      botEnv(domain, { QUEUE_MAX_PENDING: '1000000', ...extra });
    // each Redis row its own database: the app ID is the same, and the rows must not take each other's jobs
    const redisEnv = (db: number): Record<string, string> => (redis ? { REDIS_URL: `${redis.url}/${db}` } : {});
    const commandRow = async (
      row: 'oursCommands' | 'oursCommandsRedis',
      extra: Record<string, string>,
    ): Promise<AckRowSpec> => {
      const commandEmulator = await startEmulator({
        ...BENCH_APP,
        rooms: generateRooms(SETTINGS.e2e.roomPrefix, ack.commandRooms),
        maxRecords: 1_000,
      });
      commandEmulators[row] = commandEmulator;
      progress(`signing the /room command pool of ${ROWS[row]}`);
      const commands = new PushPool(
        BENCH_APP.encryptKey,
        commandEnvelopes(commandEmulator, customIds(SETTINGS.e2e.roomPrefix, 0, ack.commandRooms)),
      );
      return { row, server: { target: 'ours', env: env(commandEmulator.url, extra) }, pool: commands, fresh: true };
    };
    const local = await commandRow('oursCommands', {});
    probe = await startChallengeProbe(
      commandEmulators.oursCommands!.identity,
      BENCH_APP.encryptKey,
      Math.ceil(ack.challenges / ack.rounds),
    );
    // (d) and (e): (a) and (b) over the long connection, each against an emulator of its own in websocket mode
    longConnection = await longConnectionRows(
      { commandRooms: ack.commandRooms, roomPrefix: SETTINGS.e2e.roomPrefix },
      (domain) => env(domain),
    );
    const specs: AckRowSpec[] = [
      { row: 'ours', server: { target: 'ours', env: env(emulator.url) }, pool: chatter, fresh: true },
      ...(redis
        ? [
            {
              row: 'oursRedis' as const,
              server: { target: 'ours' as const, env: env(emulator.url, redisEnv(1)) },
              pool: chatter,
              fresh: true,
            },
          ]
        : []),
      { ...local, alongsideSaturation: probe.during },
      ...(redis ? [await commandRow('oursCommandsRedis', redisEnv(2))] : []),
      ...longConnection.specs,
      { row: 'sdk', server: { target: 'sdk' }, pool: chatter, fresh: false },
      { row: 'floor', server: { target: 'floor' }, pool: chatter, fresh: false },
      { row: 'bare', server: { target: 'bare' }, pool: chatter, fresh: false },
    ];
    const rows = await runAckPhase(specs, ack, progress, profileDir);
    const commands: AckOutcome['commands'] = {};
    for (const [row, commandEmulator] of Object.entries(commandEmulators)) {
      commands[row as keyof typeof commandEmulators] = {
        replies: commandEmulator.replies.length,
        tokens: commandEmulator.issuedTokens().length,
      };
    }
    commands.wsCommands = longConnection.commands();
    return {
      rows,
      // each bot reads its own identity once at start (bot/v3/info, with the token it needs): pushes must cause no call
      feishuCalls: emulator.requests
        .slice(mark)
        .filter((request) => request.api !== 'bot_info' && request.api !== 'token').length,
      commands,
      ...(redis ? {} : { redisSkipped: 'redis-server is not installed' }),
      challenges: probe.summary(),
      challengeSamples: [...probe.samples],
    };
  } finally {
    await probe?.stop();
    await Promise.all(Object.values(commandEmulators).map((e) => e.close()));
    await longConnection?.close();
    await redis?.stop();
  }
}

type RequiredRow = 'ours' | 'oursCommands' | 'sdk' | 'floor' | 'bare';

function byRow(results: AckRowResult[]): Record<RequiredRow, AckRowResult> & Partial<Record<AckRow, AckRowResult>> {
  const found = Object.fromEntries(results.map((r) => [r.row, r])) as Partial<Record<AckRow, AckRowResult>>;
  if (!found.ours || !found.oursCommands || !found.sdk || !found.floor || !found.bare)
    throw new Error('ack phase lost a row');
  return found as Record<RequiredRow, AckRowResult> & Partial<Record<AckRow, AckRowResult>>;
}

function reportAck(outcome: AckOutcome, failures: string[], misses: string[]) {
  const { ours, oursRedis, oursCommands, oursCommandsRedis, wsCommands, sdk, floor, bare } = byRow(outcome.rows);
  const { ack } = SETTINGS;
  say();
  say(`1. Ack path (ours at LOG_LEVEL=${OURS_LOG_LEVEL}; bench/README.md says what each row does)`);
  say();
  const rows = outcome.rows.map((r) => [
    ROWS[r.row],
    r.saturation.okPerSecond,
    r.saturation.donePerSecond,
    ms(r.saturation.p50Ms),
    ms(r.saturation.p99Ms),
    r.saturation.serverCpuPerEventMicros,
    r.saturation.non2xx + r.saturation.errors,
    ms(r.fixedRate.p50Ms),
    ms(r.fixedRate.p99Ms),
    r.fixedRate.non2xx + r.fixedRate.errors,
  ]);
  say(
    table(
      [
        'row',
        'events/s',
        'done/s',
        'p50 ms',
        'p99 ms',
        'CPU µs/event',
        'non-2xx',
        `p50 ms @${ack.rate}/s`,
        `p99 ms @${ack.rate}/s`,
        'non-2xx',
      ],
      rows,
    ),
  );
  if (outcome.redisSkipped) say(`Redis rows left out: ${outcome.redisSkipped}.`);
  say(
    `SDK sample's handler ran for ${num(sdk.handled ?? 0)} of ${num(sdk.pushesSent)} pushes sent (${num(sdk.okAnswers)} answers counted; the rest were in flight when a slice ended)`,
  );

  const ratio = (a: number, b: number) => a / b;
  const vsSdk = ratio(ours.saturation.okPerSecond, sdk.saturation.okPerSecond);
  const redisVsSdk = oursRedis ? ratio(oursRedis.saturation.okPerSecond, sdk.saturation.okPerSecond) : undefined;
  const vsBare = ratio(ours.saturation.okPerSecond, bare.saturation.okPerSecond);
  const ceiling = ratio(bare.saturation.okPerSecond, sdk.saturation.okPerSecond);
  const floorVsSdk = ratio(floor.saturation.okPerSecond, sdk.saturation.okPerSecond);
  const commandsVsSdk = ratio(oursCommands.saturation.okPerSecond, sdk.saturation.okPerSecond);
  const commandsDoneVsSdk = ratio(oursCommands.saturation.donePerSecond, sdk.saturation.donePerSecond);
  const commandsVsBare = ratio(oursCommands.saturation.okPerSecond, bare.saturation.okPerSecond);
  const challenges = outcome.challenges;
  const verdict = (pass: boolean, name: string) => {
    if (!pass) misses.push(name);
    return pass ? 'PASS' : 'MISS';
  };
  const challengeVerdict = challenges.withinBudget ? 'PASS' : 'FAIL';
  say();
  say(
    table(
      ['target (judged on row (a))', 'goal', 'measured', 'verdict', 'row (b), reported'],
      [
        [
          'ours / SDK sample, events/s',
          `≥ ${GOALS.vsSdk}×`,
          `${num(vsSdk, 2)}×`,
          verdict(vsSdk >= GOALS.vsSdk, `ours/SDK ${num(vsSdk, 2)}× (goal ≥ ${GOALS.vsSdk}×)`),
          `${num(commandsVsSdk, 2)}× (done/s: ${num(commandsDoneVsSdk, 2)}×)`,
        ],
        ...(redisVsSdk === undefined
          ? []
          : [
              [
                'ours with Redis / SDK sample, events/s',
                `≥ ${GOALS.vsSdk}×`,
                `${num(redisVsSdk, 2)}×`,
                verdict(redisVsSdk >= GOALS.vsSdk, `ours (Redis)/SDK ${num(redisVsSdk, 2)}× (goal ≥ ${GOALS.vsSdk}×)`),
                oursCommandsRedis
                  ? `(c): ${num(ratio(oursCommandsRedis.saturation.okPerSecond, sdk.saturation.okPerSecond), 2)}×`
                  : '',
              ],
            ]),
        [
          'ours / bare Koa, events/s',
          `≥ ${GOALS.vsBare * 100} %`,
          `${num(vsBare * 100, 0)} %`,
          verdict(vsBare >= GOALS.vsBare, `ours/bare ${num(vsBare * 100, 0)} % (goal ≥ ${GOALS.vsBare * 100} %)`),
          `${num(commandsVsBare * 100, 0)} %`,
        ],
        [
          `ours p99 at ${ack.rate} events/s`,
          `< ${GOALS.p99Ms} ms`,
          `${ms(ours.fixedRate.p99Ms)} ms`,
          verdict(ours.fixedRate.p99Ms < GOALS.p99Ms, `ours p99 ${ms(ours.fixedRate.p99Ms)} ms at ${ack.rate}/s`),
          `${ms(oursCommands.fixedRate.p99Ms)} ms`,
        ],
        [
          `URL challenge during (b)'s saturation, max of ${challenges.sent}`,
          `< ${num(CHALLENGE_BUDGET_MS)} ms`,
          `${ms(challenges.maxMs)} ms`,
          challengeVerdict,
          `p50 ${ms(challenges.p50Ms)} ms, ${challenges.refused} refused`,
        ],
        ['(bare Koa / SDK sample: the ceiling of ours / SDK)', '', `${num(ceiling, 2)}×`, '', ''],
        [
          '(floor / SDK sample: the most any webhook that verifies and decrypts can reach)',
          '',
          `${num(floorVsSdk, 2)}×`,
          '',
          '',
        ],
        [
          '(ours / SDK sample, CPU µs per event)',
          '',
          `${num(ours.saturation.serverCpuPerEventMicros / sdk.saturation.serverCpuPerEventMicros, 2)}×`,
          '',
          `${num(oursCommands.saturation.serverCpuPerEventMicros / sdk.saturation.serverCpuPerEventMicros, 2)}×`,
        ],
      ],
    ),
  );
  say(
    `URL challenges during (b): its event loop was blocked up to ${ms(oursCommands.saturation.loopDelayMaxMs)} ms at a time.`,
  );

  for (const r of outcome.rows) {
    const errors = r.saturation.non2xx + r.saturation.errors + r.fixedRate.non2xx + r.fixedRate.errors;
    if (errors > 0)
      failures.push(
        `${ROWS[r.row]}: ${errors} non-2xx answers or errors (${JSON.stringify({ ...r.saturation.statusCodes, ...r.fixedRate.statusCodes })})`,
      );
    if (r.handled !== undefined && r.handled < r.okAnswers)
      failures.push(
        `${ROWS[r.row]}: ${r.okAnswers} 2xx answers but only ${r.handled} events handled (verification failed?)`,
      );
    if (r.handled !== undefined && r.handled > r.pushesSent)
      failures.push(`${ROWS[r.row]}: ${r.handled} events handled for ${r.pushesSent} pushes sent`);
  }
  // ours must never see a message_id twice (the SDK sample and the bare route may: they keep no marks)
  for (const r of [ours, oursRedis, oursCommands, oursCommandsRedis, wsCommands])
    if (r && r.repeats > 0)
      failures.push(`${ROWS[r.row]} was sent ${r.repeats} repeated message_ids (event pool too small)`);
  if (outcome.feishuCalls > 0)
    failures.push(`${outcome.feishuCalls} Feishu calls during the ack phase by row (a) (expected none)`);
  if (!challenges.withinBudget) {
    failures.push(
      `URL challenge under load: max ${ms(challenges.maxMs)} ms over ${challenges.sent}, ${challenges.refused} refused (${challenges.problems.join(', ') || `budget ${CHALLENGE_BUDGET_MS} ms`})`,
    );
  }
  return {
    table: {
      vsSdk,
      redisVsSdk,
      vsBare,
      bareVsSdk: ceiling,
      floorVsSdk,
      oursP99AtRateMs: ours.fixedRate.p99Ms,
      commandsVsSdk,
      commandsDoneVsSdk,
      commandsVsBare,
      commandsP99AtRateMs: oursCommands.fixedRate.p99Ms,
      challengeMaxMs: challenges.maxMs,
    },
    rules: [
      ...commandRules(outcome.commands.oursCommands!, oursCommands),
      ...(oursCommandsRedis && outcome.commands.oursCommandsRedis
        ? commandRules(outcome.commands.oursCommandsRedis, oursCommandsRedis)
        : []),
      ...(wsCommands && outcome.commands.wsCommands ? commandRules(outcome.commands.wsCommands, wsCommands) : []),
    ],
  };
}

/** A command row through the bot: every acked command answered once, one token, one lookup per room, then the cache. */
function commandRules(outcome: CommandRowOutcome, commands: AckRowResult): RuleResult[] {
  const bot = commands.server.bot!;
  const rooms = SETTINGS.ack.commandRooms;
  const name = `ack ${COMMAND_ROW_LABELS[commands.row as CommandRow]}: ${num(commands.okAnswers)} /room commands acked, ${rooms} rooms`;
  // A push in flight when a slice ends may be processed (and replied to) without its answer being counted.
  const replied = outcome.replies;
  const allAnswered = replied >= commands.okAnswers && replied <= commands.pushesSent && bot.replyCalls === replied;
  return [
    {
      rule: name,
      measure: 'replies posted (≥ acked, ≤ sent)',
      expected: `${num(commands.okAnswers)}–${num(commands.pushesSent)}`,
      measured: replied,
      botCounter: bot.replyCalls,
      ok: allAnswered,
    },
    rule(name, 'token calls', 1, outcome.tokens, bot.tokenFetches),
    rule(name, 'batch_get_id calls (bot)', rooms, bot.batchGetIdCalls),
    rule(name, 'batch_get calls (bot)', rooms, bot.batchGetCalls),
  ];
}

function reportStartup(results: StartupResult[], failures: string[], misses: string[]) {
  say();
  say(`0. Start-up (median of ${SETTINGS.startup.runs}; RSS after ${SETTINGS.startup.idleMs / 1000} s idle)`);
  say();
  say(
    table(
      ['command', 'processes', 'ready ms', 'CPU ms to ready', 'idle RSS MB', 'exit codes'],
      results.map((r) => [
        STARTUP_COMMANDS[r.row].label,
        r.processes,
        r.readyMsMedian,
        r.cpuMsMedian,
        mb(r.rssBytesMedian),
        r.runs.map((run) => run.exitCode ?? 'signal').join(' '),
      ]),
    ),
  );
  const production = results.find((r) => r.row === 'production')!;
  const rssMb = production.rssBytesMedian / 1024 / 1024;
  const verdict = (pass: boolean, miss: string) => {
    if (!pass) misses.push(miss);
    return pass ? 'PASS' : 'MISS';
  };
  say();
  say(
    table(
      ['target (node dist/main.js)', 'goal', 'measured', 'verdict'],
      [
        [
          'idle RSS',
          `≤ ${GOALS.startupRssMb} MB`,
          `${num(rssMb, 1)} MB`,
          verdict(rssMb <= GOALS.startupRssMb, `start-up RSS ${num(rssMb, 1)} MB (goal ≤ ${GOALS.startupRssMb} MB)`),
        ],
        [
          'start to ready',
          `≤ ${num(GOALS.startupReadyMs)} ms`,
          `${num(production.readyMsMedian)} ms`,
          verdict(
            production.readyMsMedian <= GOALS.startupReadyMs,
            `start-up ${num(production.readyMsMedian)} ms (goal ≤ ${num(GOALS.startupReadyMs)} ms)`,
          ),
        ],
      ],
    ),
  );
  for (const r of results) {
    if (r.runs.some((run) => run.exitCode !== 0))
      failures.push(`${STARTUP_COMMANDS[r.row].label} did not exit 0 on SIGTERM`);
  }
}

function reportEndToEnd(runs: E2eResult[], failures: string[]) {
  const [load] = runs;
  say();
  say('2. End to end: distinct /room messages, cold cache');
  say();
  say(
    table(
      [
        'messages',
        'users',
        'replies/s',
        'p50 ms',
        'p99 ms',
        'max ms',
        'bot CPU ms/msg',
        ...API_NAMES.map((name) => `${name}/msg`),
        'unacked',
      ],
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
  if (load)
    say(
      `Bot counters after the ${load.users}-user run: ${load.bot.tokenFetches} token fetch, ${num(load.bot.batchGetIdCalls)} batch_get_id, ${num(load.bot.batchGetCalls)} batch_get, ${num(load.bot.replyCalls)} reply calls.`,
    );
  for (const r of runs) {
    if (r.unacknowledged > 0) failures.push(`${r.unacknowledged} end-to-end pushes were not acknowledged`);
    if (r.calls.reply !== r.messages) failures.push(`${r.calls.reply} replies for ${r.messages} messages`);
  }
}

function reportRules(rules: RuleResult[], failures: string[]) {
  say();
  say('3. API economy: expected vs measured Feishu calls');
  say();
  say(
    table(
      ['rule', 'calls counted', 'expected', 'measured', 'counter', 'ok'],
      rules.map((r) => [
        r.rule,
        r.measure,
        r.expected,
        r.measured,
        r.botCounter === undefined ? '–' : num(r.botCounter),
        r.ok ? 'yes' : 'NO',
      ]),
    ),
  );
  for (const r of rules)
    if (!r.ok) failures.push(`rule broken: ${r.rule} — ${r.measure} expected ${r.expected}, measured ${r.measured}`);
}

function reportMemory(result: Awaited<ReturnType<typeof runMemoryPhase>>, failures: string[]) {
  say();
  say(`4. Memory: ${num(SETTINGS.memory.events)} acked events, 1 in ${SETTINGS.memory.commandEvery} a /room command`);
  say();
  const first = result.checkpoints[0]!;
  say(
    table(
      ['events', 'RSS MB', 'RSS growth MB', 'heap MB', 'heap growth MB'],
      result.checkpoints.map((c) => [
        c.events,
        mb(c.rssBytes),
        mb(c.rssBytes - first.rssBytes),
        mb(c.heapUsedBytes),
        mb(c.heapUsedBytes - first.heapUsedBytes),
      ]),
    ),
  );
  const limit = mb(SETTINGS.memory.maxSecondHalfGrowthBytes);
  say(
    `Heap growth over the second half: ${mb(result.secondHalfHeapGrowthBytes)} MB (bounded if < ${limit} MB): ${result.bounded ? 'bounded' : 'NOT BOUNDED'}.`,
  );
  if (!result.bounded)
    failures.push(`memory not bounded: heap grew ${mb(result.secondHalfHeapGrowthBytes)} MB over the second half`);
  if (result.non2xx > 0) failures.push(`memory phase: ${result.non2xx} non-2xx answers or errors`);
  if (result.replies !== result.commands)
    failures.push(`memory phase: ${result.replies} replies for ${result.commands} /room commands`);
}

function reportProfile(row: string, profile: ProfileSummary, path: string) {
  say();
  say(`Profile of ${row} over the saturation rounds (${path}; busy ${num(profile.busyMs, 0)} ms):`);
  say();
  say(
    table(
      ['self time', 'share', 'µs/event'],
      profile.self.map((line) => [line.name, `${num(line.share * 100, 1)} %`, num(line.microsPerEvent, 1)]),
    ),
  );
  say();
  say(
    table(
      ['our functions, inclusive', 'share', 'µs/event'],
      profile.ours.map((line) => [line.name, `${num(line.share * 100, 1)} %`, num(line.microsPerEvent, 1)]),
    ),
  );
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('benchmark failed:', error);
    process.exit(1);
  },
);
