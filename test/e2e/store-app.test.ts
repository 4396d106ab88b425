// The bot as a store app (商店应用), end to end through the emulator and the real SDK over the webhook:
// no ticket at start → resend → ticket → answers; two tenants with the same custom IDs get their own rooms
// (also across two replicas sharing Redis, and across a restart); a token expiring mid-run for one tenant;
// stop / uninstall purge, and the next message after a re-install works from scratch.
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { clockTime } from '../../src/bot/availability.js';
import { accessPolicy } from '../../src/bot/triage.js';
import { loadConfig } from '../../src/config.js';
import { startChat } from '../../src/local/chat.js';
import { startEmulator, type Emulator, type RecordedReply } from '../../src/emulator/index.js';
import { startBot, type RunningBot } from '../../src/service.js';
import { redisAvailable, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { APP, SEED_ROOM_IDS, stackConfig } from '../helpers/stack.js';
import { captureLogs, type CapturedLogs } from '../helpers/log-capture.js';

let emulator: Emulator | undefined;
let redis: RedisServer | undefined;
const bots: RunningBot[] = [];
afterEach(async () => {
  await Promise.all(bots.splice(0).map((bot) => bot.shutdown(2_000)));
  await emulator?.close();
  emulator = undefined;
  await redis?.stop();
  redis = undefined;
});

async function startStoreEmulator(): Promise<Emulator> {
  emulator = await startEmulator({
    ...APP,
    store: { ticketIntervalMs: 0 },
    ackTimeoutMs: 3000,
    retryDelaysMs: [200, 400],
  });
  return emulator;
}

/** A store-app bot against the emulator; it takes its events once the emulator points at it. */
async function startStoreBot(logs: CapturedLogs, env: Record<string, string> = {}): Promise<RunningBot> {
  const config = stackConfig(emulator!.url, { FEISHU_APP_TYPE: 'store', ...env });
  const bot = await startBot(config, logs.logger);
  bots.push(bot);
  return bot;
}

function pointAt(bot: RunningBot): void {
  emulator!.setEventTargets(`${bot.url}/webhook/event`, `${bot.url}/webhook/card`);
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)),
  ]);
}

/** Sends `/room <ids>` as a member of `tenantKey` and returns the reply's card as JSON text. */
async function ask(tenantKey: string, ids: string): Promise<string> {
  const sent = await emulator!.sendMessage({ text: `/room ${ids}`, tenantKey });
  expect(sent.acknowledged).toBe(true);
  const reply = await waitForReply(sent.messageId);
  return JSON.stringify(reply.card);
}

async function waitForReply(messageId: string, timeoutMs = 5_000): Promise<RecordedReply> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [reply] = emulator!.repliesTo(messageId);
    if (reply) return reply;
    if (Date.now() > deadline) throw new Error(`no reply to ${messageId} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function tenants(): [string, string] {
  const [a, b] = emulator!.store!.tenants().map((t) => t.identity.tenantKey);
  return [a!, b!];
}

/** Room ID of `customRoomId` in the tenant's own directory. */
function roomIdIn(tenantKey: string, customRoomId: string): string {
  return emulator!.store!.tenant(tenantKey).rooms.byCustomRoomId(customRoomId)!.room_id;
}

/** Requests for tenant_access_token the emulator answered with a token, per tenant_key. */
function tenantTokenRequests(): number {
  return emulator!.requests.filter((r) => r.path === '/open-apis/auth/v3/tenant_access_token' && r.status === 200)
    .length;
}

describe('store app: tickets, tokens, tenants', () => {
  it('no ticket at start: asks for a resend, is ready once the ticket comes, and answers each tenant from its own rooms', async () => {
    const logs = captureLogs();
    await startStoreEmulator();
    const bot = await startStoreBot(logs);
    const before = await fetch(`${bot.url}/readyz`);
    expect(before.status).toBe(503);
    pointAt(bot);
    await within(bot.tokenIssued, 5_000, 'app_access_token after the resend');
    expect(emulator!.requests.some((r) => r.path === '/open-apis/auth/v3/app_ticket/resend')).toBe(true);
    expect(emulator!.store!.ticketsIssued()).toBe(1);
    expect((await fetch(`${bot.url}/readyz`)).status).toBe(200);

    const [a, b] = tenants();
    expect(roomIdIn(a, 'test01')).toBe(SEED_ROOM_IDS.test01);
    expect(roomIdIn(b, 'test01')).not.toBe(SEED_ROOM_IDS.test01);
    const cardA = await ask(a, 'test01 test02');
    const cardB = await ask(b, 'test01 test02');
    expect(cardA).toContain(roomIdIn(a, 'test01'));
    expect(cardA).not.toContain(roomIdIn(b, 'test01'));
    expect(cardB).toContain(roomIdIn(b, 'test01'));
    expect(cardB).not.toContain(roomIdIn(a, 'test01'));
    // cached per tenant: asking again answers from each tenant's own cache, never the other's
    expect(await ask(b, 'test01')).toContain(roomIdIn(b, 'test01'));
    expect(await ask(a, 'test01')).not.toContain(roomIdIn(b, 'test01'));
    expect(tenantTokenRequests()).toBe(2);
  });

  it("one tenant's token expiring mid-run: that tenant fetches a new one and is answered; the other is untouched", async () => {
    const logs = captureLogs();
    await startStoreEmulator();
    const bot = await startStoreBot(logs);
    pointAt(bot);
    await within(bot.tokenIssued, 5_000, 'app token');
    const [a, b] = tenants();
    await ask(a, 'test01');
    await ask(b, 'test01');
    const fetched = tenantTokenRequests();
    emulator!.store!.expireTenantTokens(a);
    expect(await ask(a, 'test02')).toContain(roomIdIn(a, 'test02'));
    expect(await ask(b, 'test02')).toContain(roomIdIn(b, 'test02'));
    expect(tenantTokenRequests()).toBe(fetched + 1);
    expect(logs.lines.some((l) => l.msg === 'feishu token rejected; fetching a new one')).toBe(true);
  });

  it('uninstall purges the tenant and stops calls for it; a message after re-installing works from scratch', async () => {
    const logs = captureLogs();
    await startStoreEmulator();
    const bot = await startStoreBot(logs);
    pointAt(bot);
    await within(bot.tokenIssued, 5_000, 'app token');
    const [a, b] = tenants();
    await ask(a, 'test01');
    await ask(b, 'test01');
    const delivered = await emulator!.store!.uninstall(b);
    expect(delivered.acknowledged).toBe(true);
    expect((await bot.stats()).tenants).toBe(1);
    const metrics = await (await fetch(`${bot.url}/metrics`)).text();
    expect(metrics).toMatch(/roombot_tenant_lifecycle_total\{change="uninstalled"\} 1/);
    expect(metrics).toMatch(/roombot_tenant_lifecycle_total\{change="purged"\} 1/);

    emulator!.store!.install({ tenantKey: b });
    const fetched = tenantTokenRequests();
    const lookups = emulator!.requests.filter((r) => r.path.endsWith('/batch_get_id')).length;
    expect(await ask(b, 'test01')).toContain(roomIdIn(b, 'test01'));
    // from scratch: a new token, and the lookup asked again (the cache was purged)
    expect(tenantTokenRequests()).toBe(fetched + 1);
    expect(emulator!.requests.filter((r) => r.path.endsWith('/batch_get_id')).length).toBe(lookups + 1);
    expect(await ask(a, 'test01')).toContain(roomIdIn(a, 'test01'));
  });

  it('a tenant that stopped the app: refused token is its own log line and metric, the other tenant is answered', async () => {
    const logs = captureLogs();
    await startStoreEmulator();
    const bot = await startStoreBot(logs);
    pointAt(bot);
    await within(bot.tokenIssued, 5_000, 'app token');
    const [a, b] = tenants();
    // stopped without the bot hearing of it (the event lost): Feishu refuses that tenant's token
    emulator!.store!.tenant(b).status = 'stopped';
    const sent = await emulator!.sendMessage({ text: '/room test01', tenantKey: b });
    expect(sent.acknowledged).toBe(true);
    await expect
      .poll(() =>
        logs.lines.some((l) => l.msg?.startsWith('Feishu refused the tenant_access_token') && l.tenant_key === b),
      )
      .toBe(true);
    expect(await ask(a, 'test01')).toContain(roomIdIn(a, 'test01'));
    const metrics = await (await fetch(`${bot.url}/metrics`)).text();
    expect(metrics).toMatch(/roombot_tenant_token_refused_total\{code="99991662"\} [1-9]/);
    expect((await fetch(`${bot.url}/readyz`)).status).toBe(200);
  });
});

describe('store app: the terminal chat', () => {
  it(':tenant speaks as a member of another tenant, whose test01 is another room', async () => {
    const logs = captureLogs();
    await startStoreEmulator();
    const bot = await startStoreBot(logs);
    pointAt(bot);
    await within(bot.tokenIssued, 5_000, 'app token');
    const [a, b] = tenants();
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
    const config = loadConfig({});
    const rl = startChat(emulator!, { limits: config.lookup, access: accessPolicy(config.access), input, output });
    const typed = async (line: string, until: string) => {
      const from = printed.length;
      input.write(`${line}\n`);
      await expect.poll(() => printed.indexOf(until, from), { timeout: 5_000 }).toBeGreaterThan(-1);
      return printed.slice(from);
    };
    try {
      expect(await typed('/room test01', roomIdIn(a, 'test01'))).not.toContain(roomIdIn(b, 'test01'));
      expect(await typed(':tenant', 'now a member of tenant')).toContain(b);
      expect(await typed('/room test01', roomIdIn(b, 'test01'))).not.toContain(roomIdIn(a, 'test01'));
    } finally {
      rl.close();
    }
  });
});

describe('store app: booking, per tenant', () => {
  /** A fixed-offset zone in which it is now between 12:00 and 13:00, so every slot falls on today. */
  const middayZone = (now = Date.now()): string => {
    const offsetHours = 12 - new Date(now).getUTCHours();
    return offsetHours === 0 ? 'Etc/GMT' : `Etc/GMT${offsetHours > 0 ? '-' : '+'}${Math.abs(offsetHours)}`;
  };
  /** The first Book button of the card for `room`. */
  const bookValue = (card: unknown, room: string): Record<string, unknown> => {
    const found: Record<string, unknown>[] = [];
    JSON.stringify(card, (key, value: unknown) => {
      if (key === 'value' && value && typeof value === 'object') {
        const v = value as Record<string, unknown>;
        if (v.action === 'book' && v.room === room) found.push(v);
      }
      return value;
    });
    expect(found.length).toBeGreaterThan(0);
    return found[0]!;
  };

  it("a Book click or /room book books the room of the sender's tenant, on that tenant's calendar, as that tenant", async () => {
    const logs = captureLogs();
    await startStoreEmulator();
    const zone = middayZone();
    const bot = await startStoreBot(logs, { ROOM_TIMEZONE: zone });
    pointAt(bot);
    await within(bot.tokenIssued, 5_000, 'app token');
    const [a, b] = tenants();
    for (const [tenant, other] of [
      [b, a],
      [a, b],
    ] as const) {
      const sent = await emulator!.sendMessage({ text: '/room BJ-A-0301', tenantKey: tenant });
      const reply = await waitForReply(sent.messageId);
      const outcome = await emulator!.clickCardButton({
        messageId: reply.replyMessageId,
        value: bookValue(reply.card, 'BJ-A-0301'),
      });
      expect(outcome.response?.toast?.content).toBe('Booking BJ-A-0301…');
      const card = await emulator!.waitForCard(reply.replyMessageId, (c) => JSON.stringify(c).includes('✅'), 8_000);
      expect(JSON.stringify(card)).toContain('BJ-A-0301');
      const events = emulator!.calendarOf(tenant).list();
      expect(events).toHaveLength(1);
      expect(events[0]!.attendees).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: 'user', user_id: emulator!.store!.tenant(tenant).identity.user.open_id }),
          expect.objectContaining({ type: 'resource', room_id: roomIdIn(tenant, 'BJ-A-0301'), rsvp_status: 'accept' }),
        ]),
      );
      expect(JSON.stringify(emulator!.calendarOf(other).list())).not.toContain(roomIdIn(tenant, 'BJ-A-0301'));
    }
    expect(roomIdIn(a, 'BJ-A-0301')).not.toBe(roomIdIn(b, 'BJ-A-0301'));
    expect(emulator!.calendarOf(a).primaryCalendarId).not.toBe(emulator!.calendarOf(b).primaryCalendarId);

    // typed: /room book as a member of b books b's room on b's calendar
    const from = Date.now() + 60 * 60_000;
    const slot = `${clockTime(from, zone)}-${clockTime(from + 30 * 60_000, zone)}`;
    const sent = await emulator!.sendMessage({ text: `/room book SZ-C-0201 ${slot}`, tenantKey: b });
    const reply = await waitForReply(sent.messageId, 8_000);
    await emulator!.waitForCard(reply.replyMessageId, (c) => JSON.stringify(c).includes('✅'), 8_000);
    const booked = (tenant: string) =>
      emulator!
        .calendarOf(tenant)
        .list()
        .filter((e) => e.attendees.some((x) => x.room_id === roomIdIn(tenant, 'SZ-C-0201')));
    expect(booked(b)).toHaveLength(1);
    expect(booked(a)).toHaveLength(0);
  });
});

describe('store app: fairness', () => {
  it("a flooding tenant takes at most TENANT_MAX_CONCURRENT workers: a quiet tenant's message is answered before the flood's", async () => {
    const logs = captureLogs('info');
    await startStoreEmulator();
    const bot = await startStoreBot(logs, { QUEUE_CONCURRENCY: '4', TENANT_MAX_CONCURRENT: '1' });
    pointAt(bot);
    await within(bot.tokenIssued, 5_000, 'app token');
    const [flooder, quiet] = tenants();
    await ask(flooder, 'test01'); // tokens and caches warm for both, so only the queue decides
    await ask(quiet, 'test01');
    emulator!.faults.inject({ api: 'reply', kind: 'latency', latencyMs: 100, times: Infinity });
    const flood = await Promise.all(
      [...Array(12)].map(() => emulator!.sendMessage({ text: '/room test01', tenantKey: flooder })),
    );
    const asked = await emulator!.sendMessage({ text: '/room test02', tenantKey: quiet });
    const quietReply = await waitForReply(asked.messageId);
    const floodReplies = await Promise.all(flood.map((sent) => waitForReply(sent.messageId, 10_000)));
    const floodAnsweredBefore = floodReplies.filter((reply) => reply.at < quietReply.at).length;
    // one flood answer at a time, ~100 ms each: a few at most before the quiet tenant's, never the whole flood
    expect(floodAnsweredBefore).toBeLessThan(6);
    expect(await (await fetch(`${bot.url}/metrics`)).text()).toMatch(
      /roombot_messages_deferred_total\{reason="tenant_busy"\} [1-9]/,
    );
  });
});

describe.skipIf(!redisAvailable())('store app: two replicas sharing Redis, and a restart', () => {
  it('each replica answers each tenant from its own rooms; one token fetch per tenant; a restart needs no new ticket', async () => {
    redis = await startRedisServer();
    const logs = captureLogs();
    await startStoreEmulator();
    const env = { REDIS_URL: redis.url };
    const one = await startStoreBot(logs, env);
    const two = await startStoreBot(logs, env);
    pointAt(one);
    await within(Promise.all([one.tokenIssued, two.tokenIssued]), 5_000, 'both replicas ready');
    const [a, b] = tenants();
    expect(await ask(a, 'test01')).toContain(roomIdIn(a, 'test01'));
    pointAt(two);
    expect(await ask(b, 'test01')).toContain(roomIdIn(b, 'test01'));
    expect(await ask(a, 'test01')).not.toContain(roomIdIn(b, 'test01'));
    pointAt(one);
    expect(await ask(b, 'test02')).toContain(roomIdIn(b, 'test02'));
    expect(tenantTokenRequests()).toBe(2);

    const tickets = emulator!.store!.ticketsIssued();
    await one.shutdown(2_000);
    bots.splice(bots.indexOf(one), 1);
    const three = await startStoreBot(logs, env);
    pointAt(three);
    await within(three.tokenIssued, 5_000, 'the restarted replica ready from the stored ticket');
    expect(emulator!.store!.ticketsIssued()).toBe(tickets);
    expect(await ask(a, 'test02')).toContain(roomIdIn(a, 'test02'));
    expect(await ask(b, 'test01')).toContain(roomIdIn(b, 'test01'));
    expect(tenantTokenRequests()).toBe(2);
  });
});
