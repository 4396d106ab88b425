// The Open API side of the emulator, driven by the real SDK over HTTP.
import * as lark from '@larksuiteoapi/node-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import {
  failureOf,
  fetchTenantToken,
  repeatKeys,
  sdkClient,
  startTestEmulator,
  type TestApp,
} from '../helpers/emulator.js';

const TEST01 = 'omm_eada1d61a550955240c28757e7dec3af';
const TEST02 = 'omm_83d09ad4f6896e02029a6a075f71c9d1';

interface RoomsBody {
  code: number;
  msg: string;
  data: { rooms: Array<Record<string, unknown>> };
}

let emulator: Emulator & { app: TestApp };
/** Passes tokens explicitly (withTenantToken), like the bot's adapter: with the SDK's token cache on, the
 * SDK would overwrite the Authorization header with its own token. */
let client: lark.Client;
/** Manages its own tenant token (disableTokenCache: false). */
let managedClient: lark.Client;

beforeEach(async () => {
  emulator = await startTestEmulator();
  client = sdkClient(emulator, emulator.app, { disableTokenCache: true });
  managedClient = sdkClient(emulator, emulator.app);
});
afterEach(() => emulator.close());

function tokenFor(app: TestApp = emulator.app): Promise<string> {
  return fetchTenantToken(client, app);
}

function batchGetId(ids: readonly string[], token: string, serialize = true): Promise<RoomsBody> {
  return client.request<RoomsBody>(
    {
      method: 'GET',
      url: '/open-apis/meeting_room/room/batch_get_id',
      params: { custom_room_ids: ids },
      ...(serialize ? { paramsSerializer: { serialize: repeatKeys } } : {}),
    },
    lark.withTenantToken(token),
  );
}

function batchGet(query: string, token: string): Promise<RoomsBody> {
  return client.request<RoomsBody>(
    { method: 'GET', url: `/open-apis/meeting_room/room/batch_get?${query}` },
    lark.withTenantToken(token),
  );
}

describe('tenant_access_token/internal', () => {
  it('issues a t- token with the configured expiry', async () => {
    const body = (await client.auth.tenantAccessToken.internal({
      data: { app_id: emulator.app.appId, app_secret: emulator.app.appSecret },
    })) as unknown as Record<string, unknown>;
    expect(body).toMatchObject({ code: 0, msg: 'ok', expire: 7200 });
    expect(body.tenant_access_token).toMatch(/^t-[0-9a-f]{40}$/);
    expect(emulator.issuedTokens()).toEqual([body.tenant_access_token]);
  });

  it('returns the same token while at least 30 minutes remain, as Feishu does', async () => {
    expect(await tokenFor()).toBe(await tokenFor());
  });

  it('issues a new token on every call when the lifetime is short', async () => {
    const shortLived = await startTestEmulator({ tokenExpireSeconds: 60 });
    const shortClient = sdkClient(shortLived, shortLived.app);
    const get = async () =>
      (await shortClient.auth.tenantAccessToken.internal({
        data: { app_id: shortLived.app.appId, app_secret: shortLived.app.appSecret },
      })) as unknown as { tenant_access_token: string; expire: number };
    const first = await get();
    const second = await get();
    await shortLived.close();
    expect(first.expire).toBe(60);
    expect(first.tenant_access_token).not.toBe(second.tenant_access_token);
  });

  it('refuses an unknown app_id with 10003 and a wrong secret with 10014', async () => {
    const unknownApp = await failureOf(
      client.auth.tenantAccessToken.internal({ data: { app_id: 'cli_nobody', app_secret: emulator.app.appSecret } }),
    );
    expect(unknownApp).toMatchObject({ status: 400, code: 10003 });
    const wrongSecret = await failureOf(
      client.auth.tenantAccessToken.internal({ data: { app_id: emulator.app.appId, app_secret: 'wrong' } }),
    );
    expect(wrongSecret).toMatchObject({ status: 400, code: 10014, msg: 'app secret invalid' });
    expect(wrongSecret.logId).toBe(wrongSecret.headers['x-tt-logid']);
  });
});

describe('meeting_room batch_get_id', () => {
  it('maps custom room IDs sent as repeated keys; unknown IDs are absent', async () => {
    const body = await batchGetId(['test01', 'test02', 'no-such-room'], await tokenFor());
    expect(body).toEqual({
      code: 0,
      msg: 'success',
      data: {
        rooms: [
          { room_id: TEST01, custom_room_id: 'test01' },
          { room_id: TEST02, custom_room_id: 'test02' },
        ],
      },
    });
    expect(emulator.requests.at(-1)?.query).toBe(
      'custom_room_ids=test01&custom_room_ids=test02&custom_room_ids=no-such-room',
    );
  });

  it('works through the SDK managing its own token', async () => {
    const body = await managedClient.request<RoomsBody>({
      method: 'GET',
      url: '/open-apis/meeting_room/room/batch_get_id',
      params: { custom_room_ids: ['test01'] },
      paramsSerializer: { serialize: repeatKeys },
    });
    expect(body.data.rooms).toEqual([{ room_id: TEST01, custom_room_id: 'test01' }]);
    expect(emulator.requests.map((r) => r.api)).toEqual(['token', 'batch_get_id']);
  });

  it("decodes IDs with non-ASCII characters and '+'-encoded spaces", async () => {
    const body = await batchGetId(['深圳-1202'], await tokenFor());
    expect(body.data.rooms).toEqual([
      { room_id: emulator.rooms.byCustomRoomId('深圳-1202')?.room_id, custom_room_id: '深圳-1202' },
    ]);
  });

  it("refuses the SDK's default bracketed serialization (custom_room_ids[]=…) with 99992402", async () => {
    const failure = await failureOf(batchGetId(['test01', 'test02'], await tokenFor(), false));
    expect(failure).toMatchObject({ status: 400, code: 99992402, msg: 'field validation failed' });
    expect(decodeURIComponent(emulator.requests.at(-1)!.query)).toContain('custom_room_ids[]=test01');
  });

  it('refuses a call without IDs or with more than 100', async () => {
    const token = await tokenFor();
    expect(await failureOf(batchGetId([], token))).toMatchObject({ status: 400, code: 99992402 });
    const tooMany = Array.from({ length: 101 }, (_, i) => `id${i}`);
    expect(await failureOf(batchGetId(tooMany, token))).toMatchObject({ status: 400, code: 99992402 });
    expect((await batchGetId(tooMany.slice(0, 100), token)).code).toBe(0);
  });

  it('answers a missing token with 99991661 and an unknown or expired one with 99991663', async () => {
    // Without withTenantToken this client sends no Authorization header at all.
    const noToken = await failureOf(
      client.request({ method: 'GET', url: '/open-apis/meeting_room/room/batch_get_id?custom_room_ids=test01' }),
    );
    expect(noToken).toMatchObject({ status: 400, code: 99991661 });

    const invalid = await failureOf(batchGetId(['test01'], 't-0000000000000000000000000000000000000000'));
    expect(invalid).toMatchObject({
      status: 400,
      code: 99991663,
      msg: 'Invalid access token for authorization. Please make a request with token attached.',
    });

    const token = await tokenFor();
    emulator.expireAllTokens();
    expect(await failureOf(batchGetId(['test01'], token))).toMatchObject({ status: 400, code: 99991663 });
    const fresh = await tokenFor();
    expect(fresh).not.toBe(token);
    expect((await batchGetId(['test01'], fresh)).code).toBe(0);
  });

  it('answers from the directory as it is now', async () => {
    const token = await tokenFor();
    emulator.rooms.remove('test02');
    expect((await batchGetId(['test01', 'test02'], token)).data.rooms.map((r) => r.custom_room_id)).toEqual(['test01']);
  });
});

describe('meeting_room batch_get', () => {
  it('returns all details by default and with fields=*', async () => {
    const token = await tokenFor();
    const expected = {
      room_id: TEST01,
      building_id: 'omb_8ec170b937536a5d87c23b418b83f9bb',
      building_name: 'Building name',
      capacity: 14,
      description: 'Some description',
      display_id: 'FM537532166',
      floor_name: 'F1',
      is_disabled: false,
      name: 'Room name',
    };
    expect((await batchGet(`room_ids=${TEST01}&fields=*`, token)).data.rooms).toEqual([expected]);
    expect((await batchGet(`room_ids=${TEST01}`, token)).data.rooms).toEqual([expected]);
  });

  it('returns only the selected fields, and always room_id', async () => {
    const body = await batchGet(`room_ids=${TEST01}&room_ids=${TEST02}&fields=name,capacity`, await tokenFor());
    expect(body.data.rooms).toEqual([
      { room_id: TEST01, name: 'Room name', capacity: 14 },
      { room_id: TEST02, name: 'Room name_2', capacity: 12 },
    ]);
  });

  it('reports the disabled room as such', async () => {
    const disabled = emulator.rooms.list().find((room) => room.is_disabled);
    expect(disabled).toBeDefined();
    const body = await batchGet(`room_ids=${disabled!.room_id}&fields=is_disabled`, await tokenFor());
    expect(body.data.rooms).toEqual([{ room_id: disabled!.room_id, is_disabled: true }]);
  });

  it('is as strict as batch_get_id about room_ids', async () => {
    const token = await tokenFor();
    expect(await failureOf(batchGet(`room_ids[]=${TEST01}`, token))).toMatchObject({ status: 400, code: 99992402 });
    expect(await failureOf(batchGet('fields=*', token))).toMatchObject({ status: 400, code: 99992402 });
    const tooMany = Array.from({ length: 101 }, (_, i) => `room_ids=omm_${i}`).join('&');
    expect(await failureOf(batchGet(tooMany, token))).toMatchObject({ status: 400, code: 99992402 });
  });
});

describe('every answer', () => {
  it('carries x-tt-logid, also on unknown paths', async () => {
    const response = await fetch(`${emulator.url}/open-apis/nothing/here`);
    expect(response.status).toBe(404);
    expect(response.headers.get('x-tt-logid')).toMatch(/^\d{14}[0-9A-F]{20}$/);
    const body = (await response.json()) as { code: number; error: { log_id: string } };
    expect(body.error.log_id).toBe(response.headers.get('x-tt-logid'));
  });

  it('is logged up to maxRecords, oldest dropped', async () => {
    const small = await startTestEmulator({ maxRecords: 2 });
    const smallClient = sdkClient(small, small.app, { disableTokenCache: true });
    for (const appId of ['cli_a', 'cli_b', 'cli_c'])
      await failureOf(smallClient.auth.tenantAccessToken.internal({ data: { app_id: appId, app_secret: 'x' } }));
    expect(small.requests.map((r) => (r.body as { app_id: string }).app_id)).toEqual(['cli_b', 'cli_c']);
    await small.close();
  });

  it('is logged with method, path, raw query, headers, body and code', async () => {
    const token = await tokenFor();
    await batchGetId(['test01'], token);
    const tokenCall = emulator.requests.find((r) => r.api === 'token');
    const lookup = emulator.requests.find((r) => r.api === 'batch_get_id');
    expect(tokenCall).toMatchObject({
      api: 'token',
      method: 'POST',
      path: '/open-apis/auth/v3/tenant_access_token/internal',
      status: 200,
      code: 0,
    });
    expect(tokenCall!.body).toEqual({ app_id: emulator.app.appId, app_secret: emulator.app.appSecret });
    expect(lookup).toMatchObject({
      api: 'batch_get_id',
      method: 'GET',
      query: 'custom_room_ids=test01',
      status: 200,
      code: 0,
    });
    expect(lookup!.headers.authorization).toBe(`Bearer ${token}`);
  });
});

describe('bot/v3/info', () => {
  it("answers the bot's open_id and name at the top level (not under data), with a tenant token only", async () => {
    const info = await client.request<Record<string, unknown>>(
      { method: 'GET', url: '/open-apis/bot/v3/info' },
      lark.withTenantToken(await tokenFor()),
    );
    expect(info).toEqual({
      code: 0,
      msg: 'ok',
      bot: {
        activate_status: 2,
        app_name: 'RoomBot',
        avatar_url: '',
        ip_white_list: [],
        open_id: emulator.identity.bot.openId,
      },
    });
    expect(info).not.toHaveProperty('data');
    expect(await failureOf(client.request({ method: 'GET', url: '/open-apis/bot/v3/info' }))).toMatchObject({
      status: 400,
      code: 99991661,
    });
    const invalid = client.request(
      { method: 'GET', url: '/open-apis/bot/v3/info' },
      lark.withTenantToken('t-0000000000000000000000000000000000000000'),
    );
    expect(await failureOf(invalid)).toMatchObject({ status: 400, code: 99991663 });
    emulator.faults.inject({ api: 'bot_info', kind: 'http_500' });
    expect(
      await failureOf(
        client.request({ method: 'GET', url: '/open-apis/bot/v3/info' }, lark.withTenantToken(await tokenFor())),
      ),
    ).toMatchObject({ status: 500 });
    expect(emulator.requests.filter((r) => r.api === 'bot_info').map((r) => r.status)).toEqual([200, 400, 400, 500]);
  });
});
