// Injected failures, as the SDK sees them over HTTP.
import * as lark from '@larksuiteoapi/node-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { FaultInjector } from '../../src/emulator/faults.js';
import { failureOf, startEmulatorWithToken, repeatKeys, type TestApp } from '../helpers/emulator.js';

let emulator: Emulator & { app: TestApp };
let client: lark.Client;
let token: string;

beforeEach(async () => {
  ({ emulator, client, token } = await startEmulatorWithToken());
});
afterEach(() => emulator.close());

function lookup() {
  return client.request<{ code: number }>(
    {
      method: 'GET',
      url: '/open-apis/meeting_room/room/batch_get_id',
      params: { custom_room_ids: ['test01'] },
      paramsSerializer: { serialize: repeatKeys },
    },
    lark.withTenantToken(token),
  );
}

function reply(messageId: string) {
  return client.im.message.reply(
    { path: { message_id: messageId }, data: { msg_type: 'text', content: '{"text":"hi"}' } },
    lark.withTenantToken(token),
  );
}

describe('fault injection', () => {
  it('answers HTTP 500 the given number of times, then normally', async () => {
    emulator.faults.inject({ api: 'batch_get_id', kind: 'http_500', times: 2 });
    expect(await failureOf(lookup())).toMatchObject({ status: 500, code: 1500 });
    expect(await failureOf(lookup())).toMatchObject({ status: 500 });
    expect((await lookup()).code).toBe(0);
    expect(emulator.requests.filter((r) => r.api === 'batch_get_id').map((r) => [r.status, r.fault])).toEqual([
      [500, 'http_500'],
      [500, 'http_500'],
      [200, undefined],
    ]);
  });

  it('rate-limits with HTTP 429, code 99991400 and the x-ogw-ratelimit headers', async () => {
    emulator.faults.inject({ api: 'any', kind: 'rate_limit', resetSeconds: 2 });
    const failure = await failureOf(lookup());
    expect(failure).toMatchObject({ status: 429, code: 99991400, msg: 'request trigger frequency limit' });
    expect(failure.headers['x-ogw-ratelimit-reset']).toBe('2');
    expect(failure.headers['x-ogw-ratelimit-limit']).toBeDefined();
    expect(failure.headers['x-tt-logid']).toBe(failure.logId);
  });

  it("rate-limits replies with the IM API's own 230020 when asked", async () => {
    const user = emulator.createMessage({ text: '/room test01' });
    emulator.faults.inject({ api: 'reply', kind: 'rate_limit', code: 230020 });
    expect(await failureOf(reply(user.messageId))).toMatchObject({ status: 400, code: 230020 });
    expect(emulator.replies).toHaveLength(0);
    expect((await reply(user.messageId)).code).toBe(0);
  });

  it('answers any code, message and status', async () => {
    const msg = 'Access denied. One of the following scopes is required: [calendar:room:readonly]';
    emulator.faults.inject({
      api: 'batch_get_id',
      kind: 'error',
      code: 99991672,
      msg,
      httpStatus: 400,
      times: Infinity,
    });
    for (let i = 0; i < 3; i += 1)
      expect(await failureOf(lookup())).toMatchObject({ status: 400, code: 99991672, msg });
    emulator.faults.clear();
    expect((await lookup()).code).toBe(0);
  });

  it('fails the token endpoint too', async () => {
    emulator.faults.inject({ api: 'token', kind: 'http_500' });
    expect(
      await failureOf(
        client.auth.tenantAccessToken.internal({
          data: { app_id: emulator.app.appId, app_secret: emulator.app.appSecret },
        }),
      ),
    ).toMatchObject({
      status: 500,
    });
  });

  it('only affects the API it names', async () => {
    emulator.faults.inject({ api: 'batch_get', kind: 'http_500' });
    expect((await lookup()).code).toBe(0);
    expect(emulator.faults.pending()).toHaveLength(1);
  });

  it('delays an answer without changing it', async () => {
    emulator.faults.inject({ api: 'batch_get_id', kind: 'latency', latencyMs: 150 });
    const slowClient = new lark.Client({
      appId: emulator.app.appId,
      appSecret: emulator.app.appSecret,
      domain: emulator.url,
      disableTokenCache: true,
      httpInstance: (await import('axios')).default.create({ timeout: 50 }) as unknown as lark.Client['httpInstance'],
      logger: { error() {}, warn() {}, info() {}, debug() {}, trace() {} },
    });
    // A client that gives up before the delay times out; the next call is answered at once.
    await expect(
      slowClient.request(
        { method: 'GET', url: '/open-apis/meeting_room/room/batch_get_id?custom_room_ids=test01' },
        lark.withTenantToken(token),
      ),
    ).rejects.toThrow(/timeout/);
    expect((await lookup()).code).toBe(0);
  });
});

describe('FaultInjector', () => {
  it('lets probability decide, without using up a fault that did not fire', () => {
    const rolls = [0.9, 0.1];
    const faults = new FaultInjector(() => rolls.shift() ?? 0);
    faults.inject({ api: 'reply', kind: 'http_500', probability: 0.5 });
    expect(faults.decide('reply').response).toBeUndefined();
    expect(faults.decide('reply').response).toMatchObject({ httpStatus: 500 });
    expect(faults.decide('reply').response).toBeUndefined();
  });

  it('adds up latencies and lets the first failing fault answer', () => {
    const faults = new FaultInjector();
    faults.inject({ api: 'any', kind: 'latency', latencyMs: 10 });
    faults.inject({ api: 'reply', kind: 'latency', latencyMs: 5 });
    faults.inject({ api: 'reply', kind: 'error', code: 230027 });
    faults.inject({ api: 'reply', kind: 'http_500' });
    expect(faults.decide('reply')).toMatchObject({ delayMs: 15, response: { code: 230027, httpStatus: 400 } });
    expect(faults.decide('reply')).toMatchObject({ delayMs: 0, response: { code: 1500, httpStatus: 500 } });
  });

  it('refuses incomplete specs', () => {
    const faults = new FaultInjector();
    expect(() => faults.inject({ api: 'any', kind: 'error' })).toThrow(/code/);
    expect(() => faults.inject({ api: 'any', kind: 'latency' })).toThrow(/latencyMs/);
  });
});
