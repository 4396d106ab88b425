// The emulator as a store app (商店应用): app_ticket pushes, the store token endpoints (strict), per-tenant
// rooms under the same custom IDs, tenant-bound tokens, and the lifecycle events. Driven with the real SDK.
import * as lark from '@larksuiteoapi/node-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LegacyEventEnvelope } from '../../src/protocol/events.js';
import type { Emulator } from '../../src/emulator/index.js';
import {
  failureOf,
  repeatKeys,
  sdkClient,
  startReceiver,
  startTestEmulator,
  type Receiver,
  type TestApp,
} from '../helpers/emulator.js';

let emulator: Emulator & { app: TestApp };
let receiver: Receiver;
let client: lark.Client;

beforeAll(async () => {
  receiver = await startReceiver();
  emulator = await startTestEmulator({ store: { ticketIntervalMs: 0 }, eventUrl: `${receiver.url}/webhook/event` });
  client = sdkClient(emulator, emulator.app, { disableTokenCache: true });
});
afterAll(async () => {
  await emulator.close();
  await receiver.close();
});

/** The schema 1.0 events the receiver got (the emulator has no encrypt key here: plain JSON). */
function pushed(type: string): LegacyEventEnvelope[] {
  return receiver.received
    .map((push) => JSON.parse(push.rawBody.toString('utf8')) as LegacyEventEnvelope)
    .filter((body) => body.type === 'event_callback' && body.event.type === type);
}

async function resendAndTakeTicket(): Promise<string> {
  const before = pushed('app_ticket').length;
  await client.auth.appTicket.resend({ data: { app_id: emulator.app.appId, app_secret: emulator.app.appSecret } });
  await expect.poll(() => pushed('app_ticket').length).toBe(before + 1);
  return String(pushed('app_ticket').at(-1)!.event.app_ticket);
}

async function appToken(ticket: string): Promise<string> {
  const body = (await client.auth.appAccessToken.create({
    data: { app_id: emulator.app.appId, app_secret: emulator.app.appSecret, app_ticket: ticket },
  })) as unknown as { app_access_token: string; expire: number };
  expect(body.expire).toBeGreaterThan(0);
  return body.app_access_token;
}

async function tenantToken(appAccessToken: string, tenantKey: string): Promise<string> {
  const body = (await client.auth.tenantAccessToken.create({
    data: { app_access_token: appAccessToken, tenant_key: tenantKey },
  })) as unknown as { tenant_access_token: string };
  return body.tenant_access_token;
}

async function roomIdOf(token: string, customRoomId: string): Promise<string | undefined> {
  const body = await client.request<{ data?: { rooms?: { room_id: string }[] } }>(
    {
      method: 'GET',
      url: '/open-apis/meeting_room/room/batch_get_id',
      params: { custom_room_ids: [customRoomId] },
      paramsSerializer: { serialize: repeatKeys },
    },
    lark.withTenantToken(token),
  );
  return body.data?.rooms?.[0]?.room_id;
}

describe('emulator as a store app', () => {
  it('pushes no ticket until asked; a resend pushes one, as a schema 1.0 app_ticket event with the verification token', async () => {
    expect(pushed('app_ticket')).toEqual([]);
    const ticket = await resendAndTakeTicket();
    const event = pushed('app_ticket').at(-1)!;
    expect(event).toMatchObject({ token: emulator.app.verificationToken, type: 'event_callback' });
    expect(event.event).toEqual({ app_id: emulator.app.appId, app_ticket: ticket, type: 'app_ticket' });
    expect(emulator.store!.currentTicket()).toBe(ticket);
  });

  it('app_access_token: the current ticket only; an old or wrong one → 10012; bad secret → 10014', async () => {
    const old = await resendAndTakeTicket();
    const current = await resendAndTakeTicket();
    expect(await appToken(current)).toMatch(/^a-[0-9a-f]{40}$/);
    const refused = (ticket: string, secret = emulator.app.appSecret) =>
      failureOf(
        client.auth.appAccessToken.create({
          data: { app_id: emulator.app.appId, app_secret: secret, app_ticket: ticket },
        }),
      );
    expect(await refused(old)).toMatchObject({ status: 400, code: 10012, msg: 'get app access token fail' });
    expect(await refused('nonsense')).toMatchObject({ code: 10012 });
    expect(await refused(current, 'wrong')).toMatchObject({ code: 10014, msg: 'app secret invalid' });
  });

  it('tenant_access_token per tenant; a bad app token → 99991664, an unknown tenant_key → 20009', async () => {
    const app = await appToken(await resendAndTakeTicket());
    const [a, b] = emulator.store!.tenants().map((t) => t.identity.tenantKey);
    const tokenA = await tenantToken(app, a!);
    const tokenB = await tenantToken(app, b!);
    expect(tokenA).not.toBe(tokenB);
    const refused = (appAccessToken: string, tenantKey: string) =>
      failureOf(
        client.auth.tenantAccessToken.create({ data: { app_access_token: appAccessToken, tenant_key: tenantKey } }),
      );
    expect(await refused('a-nope', a!)).toMatchObject({ status: 400, code: 99991664, msg: 'invalid app token' });
    expect(await refused(app, 'ffffffffffffffff')).toMatchObject({ code: 20009, msg: 'tenant app not installed' });
  });

  it("each tenant's token sees its own rooms: the same custom ID is another room in each", async () => {
    const app = await appToken(await resendAndTakeTicket());
    const [a, b] = emulator.store!.tenants().map((t) => t.identity.tenantKey);
    const roomA = await roomIdOf(await tenantToken(app, a!), 'test01');
    const roomB = await roomIdOf(await tenantToken(app, b!), 'test01');
    expect(roomA).toMatch(/^omm_/);
    expect(roomB).toMatch(/^omm_/);
    expect(roomA).not.toBe(roomB);
  });

  it("a tenant's token cannot reply to a message of another tenant (10034)", async () => {
    const app = await appToken(await resendAndTakeTicket());
    const [a, b] = emulator.store!.tenants().map((t) => t.identity.tenantKey);
    const message = emulator.createMessage({ text: '/room test01', tenantKey: a! });
    expect(message.envelope.header.tenant_key).toBe(a);
    const reply = (token: string) =>
      client.im.message.reply(
        { path: { message_id: message.messageId }, data: { msg_type: 'text', content: '{"text":"hi"}' } },
        lark.withTenantToken(token),
      );
    expect(await failureOf(reply(await tenantToken(app, b!)))).toMatchObject({ code: 10034 });
    expect((await reply(await tenantToken(app, a!))).code).toBe(0);
  });

  it('stop, start, uninstall and re-install: events pushed, tokens refused while the app is not in use', async () => {
    const app = await appToken(await resendAndTakeTicket());
    const tenantKey = emulator.store!.install().tenantKey;
    const token = await tenantToken(app, tenantKey);
    await emulator.store!.setStatus(tenantKey, 'stop_by_tenant');
    expect(pushed('app_status_change').at(-1)!.event).toEqual({
      app_id: emulator.app.appId,
      tenant_key: tenantKey,
      type: 'app_status_change',
      status: 'stop_by_tenant',
    });
    expect(await roomIdOf(token, 'test01').catch((error: unknown) => error)).toMatchObject({
      response: { data: { code: 99991663 } },
    });
    const refused = await failureOf(
      client.auth.tenantAccessToken.create({ data: { app_access_token: app, tenant_key: tenantKey } }),
    );
    expect(refused).toMatchObject({ code: 99991662, msg: 'app not in use' });
    await emulator.store!.setStatus(tenantKey, 'start_by_tenant');
    expect(pushed('app_status_change').at(-1)!.event).toMatchObject({ status: 'start_by_tenant', operator: {} });
    expect(await roomIdOf(await tenantToken(app, tenantKey), 'test01')).toMatch(/^omm_/);

    await emulator.store!.uninstall(tenantKey);
    expect(pushed('app_uninstalled').at(-1)!.event).toEqual({
      app_id: emulator.app.appId,
      tenant_key: tenantKey,
      type: 'app_uninstalled',
    });
    expect(
      await failureOf(client.auth.tenantAccessToken.create({ data: { app_access_token: app, tenant_key: tenantKey } })),
    ).toMatchObject({ code: 20009 });
    emulator.store!.install({ tenantKey });
    expect(await roomIdOf(await tenantToken(app, tenantKey), 'test01')).toMatch(/^omm_/);
  });

  it('pushes a new ticket every ticketIntervalMs once an event URL is set', async () => {
    const periodic = await startTestEmulator({
      store: { ticketIntervalMs: 50 },
      eventUrl: `${receiver.url}/webhook/event`,
    });
    try {
      await expect.poll(() => periodic.store!.ticketsIssued(), { timeout: 2000 }).toBeGreaterThanOrEqual(2);
    } finally {
      await periodic.close();
    }
  });
});
