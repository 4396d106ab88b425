// The store app's token cache against the emulator's store mode, through the real SDK: one fetch per tenant
// shared by concurrent callers and by replicas sharing a store, a refused token dropped (here and in the
// shared store), a refused tenant told apart, and the ticket asked for when none is held.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeishuApiError } from '../../src/errors.js';
import type { CallPolicy } from '../../src/feishu/call-with-retry.js';
import { createFeishuClient } from '../../src/feishu/client.js';
import { createStoreAuth, type StoreAuth } from '../../src/feishu/store-auth.js';
import type { AppTicketStore, StateStore } from '../../src/bot/ports.js';
import { createMemoryStore } from '../../src/state/memory.js';
import type { Emulator } from '../../src/emulator/index.js';
import { captureLogs } from '../helpers/log-capture.js';
import { startReceiver, startTestEmulator, type Receiver, type TestApp } from '../helpers/emulator.js';

let emulator: Emulator & { app: TestApp };
let receiver: Receiver;
const logs = captureLogs();

beforeAll(async () => {
  receiver = await startReceiver();
  emulator = await startTestEmulator({ store: { ticketIntervalMs: 0 }, eventUrl: `${receiver.url}/webhook/event` });
});
afterAll(async () => {
  await emulator.close();
  await receiver.close();
});

function memoryTickets(): AppTicketStore {
  let ticket: string | undefined;
  return { get: async () => ticket, set: async (t) => void (ticket = t) };
}

function auth(shared: StateStore, tickets: AppTicketStore = memoryTickets()): StoreAuth {
  const policy: CallPolicy = { maxAttempts: 1, logger: logs.logger };
  const client = createFeishuClient({ ...emulator.app, domain: emulator.url, timeoutMs: 2000, logger: logs.logger });
  return createStoreAuth({ client, credentials: emulator.app, tickets, shared, policy, logger: logs.logger });
}

const store = () => createMemoryStore({ maxEntries: 1000 });
const tenantKeys = () => emulator.store!.tenants().map((t) => t.identity.tenantKey) as [string, string];
const tokenRequests = () => emulator.requests.filter((r) => r.path === '/open-apis/auth/v3/tenant_access_token').length;

/** A ticket the emulator takes now, as a push would have recorded it. */
async function withTicket(): Promise<AppTicketStore> {
  await emulator.store!.pushAppTicket();
  const tickets = memoryTickets();
  await tickets.set(emulator.store!.currentTicket()!);
  return tickets;
}

describe('store app token cache', () => {
  it('no ticket held: asks Feishu to push one and fails as transient; with the pushed ticket the app token comes', async () => {
    const tickets = memoryTickets();
    const subject = auth(store(), tickets);
    const pushed = emulator.store!.ticketsIssued();
    const error = await subject.appToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeishuApiError);
    expect((error as FeishuApiError).kind).toBe('unavailable');
    await expect.poll(() => emulator.store!.ticketsIssued()).toBe(pushed + 1);
    await subject.recordTicket(emulator.store!.currentTicket()!);
    expect(await subject.appToken()).toMatch(/^a-/);
  });

  it('concurrent callers share one fetch per tenant; two tenants get two tokens', async () => {
    const subject = auth(store(), await withTicket());
    const [a, b] = tenantKeys();
    const before = tokenRequests();
    const tokens = await Promise.all([...Array(20)].map((_, i) => subject.tenant(i % 2 ? a : b).get()));
    expect(new Set(tokens).size).toBe(2);
    expect(tokenRequests()).toBe(before + 2);
    expect(subject.tenantTokenFetches).toBe(2);
  });

  it('replicas sharing a store fetch each tenant token once between them', async () => {
    const shared = store();
    const tickets = await withTicket();
    const [one, two] = [auth(shared, tickets), auth(shared, tickets)];
    const [a] = tenantKeys();
    const before = tokenRequests();
    const [x, y] = await Promise.all([one.tenant(a).get(), two.tenant(a).get()]);
    expect(x).toBe(y);
    expect(tokenRequests()).toBe(before + 1);
  });

  it('a token Feishu refused is dropped here and in the shared store: the next get fetches a new one', async () => {
    const shared = store();
    const tickets = await withTicket();
    const [one, two] = [auth(shared, tickets), auth(shared, tickets)];
    const [a] = tenantKeys();
    const old = await one.tenant(a).get();
    emulator.store!.expireTenantTokens(a);
    one.tenant(a).invalidate(old);
    const fresh = await one.tenant(a).get();
    expect(fresh).not.toBe(old);
    // the other replica, whose own copy is gone too, takes the new one from the shared store
    expect(await two.tenant(a).get()).toBe(fresh);
  });

  it('a tenant without the app: a FeishuApiError with code 20009, a log line with its tenant_key', async () => {
    const subject = auth(store(), await withTicket());
    const error = await subject
      .tenant('ffffffffffffffff')
      .get()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 20009 });
    expect(
      logs.lines.some((l) => l.tenant_key === 'ffffffffffffffff' && String(l.msg).startsWith('Feishu refused')),
    ).toBe(true);
  });
});
