// `npm run bench:tenants`: the bot as a store app (商店应用) serving many tenants from one process.
//   1. Memory     RSS and heap (after a full GC) per tenant once each of BENCH_TENANTS tenants has been served
//                 once, with the lookup and free/busy caches off (so the figure is the tenant's own state:
//                 its bot, token, identity; goal ≤ 20 KB)
//   2. Tokens     tenant_access_token fetches over two rounds of every tenant (goal: one per tenant per lifetime)
//   3. Fairness   a quiet tenant's push→reply p99 alone, then while another tenant floods (goal: within 1.5×)
// The bot runs in a child process (bench/servers.ts) against the emulator in store mode in this one.
//                 (every Open API call held BENCH_API_LATENCY_MS, as Feishu's take tens of ms: on loopback
//                 the bot's CPU alone would decide, and a flood at full CPU slows every tenant alike)
// Settings: BENCH_TENANTS (1000), BENCH_QUIET_MESSAGES (100), BENCH_FLOOD_RATE (60 messages/s),
// BENCH_API_LATENCY_MS (50).
import { startEmulator, type Emulator, type RecordedReply } from '../../src/emulator/index.js';
import { BENCH_APP, botEnv } from '../lib/app.js';
import { startServerChild, type ServerChild } from '../lib/child.js';
import { generateRooms } from '../lib/rooms.js';
import { num, table } from '../lib/table.js';

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

const TENANTS = setting('BENCH_TENANTS', 1000);
const QUIET_MESSAGES = setting('BENCH_QUIET_MESSAGES', 100);
const FLOOD_RATE = setting('BENCH_FLOOD_RATE', 60);
/** Latency of every Open API call in the fairness rows: Feishu answers in tens of ms, loopback in microseconds. */
const API_LATENCY_MS = setting('BENCH_API_LATENCY_MS', 50);
/** Tenants served at once in the memory round. */
const BATCH = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Replies awaited, by the message they answer: one listener on the emulator for all of them. */
const awaited = new Map<string, (reply: RecordedReply) => void>();

/** Resolves with the reply to `messageId` (the emulator records every reply). */
function replyTo(emulator: Emulator, messageId: string, timeoutMs = 60_000): Promise<RecordedReply> {
  const [earlier] = emulator.repliesTo(messageId);
  if (earlier) return Promise.resolve(earlier);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      awaited.delete(messageId);
      reject(new Error(`no reply to ${messageId} within ${timeoutMs} ms`));
    }, timeoutMs);
    awaited.set(messageId, (reply) => {
      clearTimeout(timer);
      awaited.delete(messageId);
      resolve(reply);
    });
  });
}

/** One /room message from a member of `tenantKey`; resolves with its push→reply time in ms. */
async function ask(emulator: Emulator, tenantKey: string, text = '/room t-room-0001'): Promise<number> {
  const started = Date.now();
  const sent = await emulator.sendMessage({ text, tenantKey });
  if (!sent.acknowledged) throw new Error(`push to the bot not acknowledged (tenant ${tenantKey})`);
  const reply = await replyTo(emulator, sent.messageId);
  return reply.at - started;
}

async function waitReady(bot: ServerChild): Promise<void> {
  const readyz = bot.eventUrl.replace('/webhook/event', '/readyz');
  for (const deadline = Date.now() + 30_000; ; await sleep(50)) {
    if ((await fetch(readyz).catch(() => undefined))?.status === 200) return;
    if (Date.now() > deadline) throw new Error('the store-app bot was not ready within 30 s');
  }
}

const tenantTokenFetches = (emulator: Emulator) =>
  emulator.requests.filter((r) => r.path === '/open-apis/auth/v3/tenant_access_token' && r.status === 200).length;

async function everyTenantOnce(emulator: Emulator, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += BATCH) await Promise.all(keys.slice(i, i + BATCH).map((k) => ask(emulator, k)));
}

/** The quiet tenant's sequential round trips, while `background` (if any) runs. */
async function quietRound(emulator: Emulator, tenantKey: string): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < QUIET_MESSAGES; i += 1) latencies.push(await ask(emulator, tenantKey));
  return latencies;
}

/**
 * One tenant sending FLOOD_RATE messages a second, open loop (more than its TENANT_MAX_CONCURRENT answers
 * can keep up with, so its backlog grows) until stopped; resolves with how many were sent.
 */
function flood(emulator: Emulator, tenantKey: string): { stop: () => number } {
  let sent = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < FLOOD_RATE / 20; i += 1) {
      sent += 1;
      // only the pushes matter here: the backlog they leave is what the quiet tenant must not wait behind
      void emulator.sendMessage({ text: '/room t-room-0001', tenantKey }).catch(() => undefined);
    }
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return sent;
    },
  };
}

async function main(): Promise<void> {
  const keys = [...Array(TENANTS)].map((_, i) => (0x7e00000000000000n + BigInt(i)).toString(16));
  const rooms = generateRooms('t-room', 3);
  const emulator = await startEmulator({
    ...BENCH_APP,
    store: { tenants: keys.map((tenantKey) => ({ tenantKey, rooms })), ticketIntervalMs: 0 },
    maxRecords: 200_000,
  });
  const bot = await startServerChild({
    target: 'ours',
    env: botEnv(emulator.url, {
      FEISHU_APP_TYPE: 'store',
      LOOKUP_CACHE_TTL_SECONDS: '0',
      AVAILABILITY_CACHE_TTL_SECONDS: '0',
    }),
  });
  try {
    emulator.onReply((reply) => awaited.get(reply.parentMessageId)?.(reply));
    emulator.setEventTargets(bot.eventUrl, bot.eventUrl.replace('/event', '/card'));
    await waitReady(bot);
    const [quiet, flooder] = [keys[1]!, keys[2]!];
    for (let i = 0; i < 20; i += 1) await ask(emulator, keys[0]!); // code paths warm
    const before = await bot.statsAfterGc();
    await everyTenantOnce(emulator, keys);
    const after = await bot.statsAfterGc();
    const fetchesFirst = tenantTokenFetches(emulator);
    await everyTenantOnce(emulator, keys);
    const fetchesSecond = tenantTokenFetches(emulator);

    emulator.faults.inject({ api: 'any', kind: 'latency', latencyMs: API_LATENCY_MS, times: Infinity });
    const alone = await quietRound(emulator, quiet);
    const flooding = flood(emulator, flooder);
    await sleep(500); // the flood's backlog builds up first
    const contended = await quietRound(emulator, quiet);
    const floodSent = flooding.stop();
    const backlog = (await bot.stats()).bot;

    const rssPerTenantKb = (after.rssBytes - before.rssBytes) / 1024 / TENANTS;
    const heapPerTenantKb = (after.heapUsedBytes - before.heapUsedBytes) / 1024 / TENANTS;
    const [p99Alone, p99Flood] = [percentile(alone, 99), percentile(contended, 99)];
    console.log(`\nStore app, ${TENANTS} tenants (bot: ${after.bot?.tenants ?? '?'} tenant bots held)\n`);
    console.log(
      table(
        ['row', 'measured', 'goal'],
        [
          ['RSS per tenant served once (caches off)', `${num(rssPerTenantKb, 1)} KB`, '≤ 20 KB'],
          ['heap per tenant served once (caches off)', `${num(heapPerTenantKb, 1)} KB`, ''],
          [
            'tenant_access_token fetches, 2 rounds',
            `${fetchesFirst} then ${fetchesSecond - fetchesFirst}`,
            `${TENANTS} then 0`,
          ],
          [
            `quiet tenant p50 / p99 alone (API ${API_LATENCY_MS} ms)`,
            `${num(percentile(alone, 50), 0)} / ${num(p99Alone, 0)} ms`,
            '',
          ],
          [
            `quiet tenant p50 / p99, another sending ${FLOOD_RATE}/s (${floodSent} sent, ${backlog ? backlog.waiting + backlog.delayed + backlog.running : '?'} unanswered at the end; API ${API_LATENCY_MS} ms)`,
            `${num(percentile(contended, 50), 0)} / ${num(p99Flood, 0)} ms (${num(p99Flood / p99Alone, 2)}×)`,
            '≤ 1.5×',
          ],
        ],
      ),
    );
  } finally {
    emulator.faults.clear();
    await bot.stop();
    await emulator.close();
  }
}

await main();
