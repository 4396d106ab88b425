// The emulator's latency model: every Open API answer waits fixedMs ± jitterMs, as Feishu's would.
import * as lark from '@larksuiteoapi/node-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { readEmulatorEnv, type Emulator } from '../../src/emulator/index.js';
import { LatencyModel } from '../../src/emulator/latency.js';
import { repeatKeys, startEmulatorWithToken, type TestApp } from '../helpers/emulator.js';

let emulator: (Emulator & { app: TestApp }) | undefined;
afterEach(() => emulator?.close());

describe('the latency model', () => {
  it('draws fixedMs ± jitterMs, uniformly, never below 0', () => {
    const draws = [0, 0.5, 0.999];
    const model = new LatencyModel({ fixedMs: 40, jitterMs: 10 }, () => draws.shift()!);
    expect([model.sample(), model.sample(), model.sample()].map(Math.round)).toEqual([30, 40, 50]);
    expect(new LatencyModel({ fixedMs: 5, jitterMs: 10 }, () => 0).sample()).toBe(0);
    expect(new LatencyModel().sample()).toBe(0); // off by default
  });

  it('refuses a negative or absurd setting', () => {
    expect(() => new LatencyModel({ fixedMs: -1, jitterMs: 0 })).toThrow(/fixedMs/);
    expect(() => new LatencyModel({ fixedMs: 10, jitterMs: 1e9 })).toThrow(/jitterMs/);
  });

  it('is read from EMULATOR_LATENCY_MS and EMULATOR_JITTER_MS, and absent when both are unset', () => {
    expect(readEmulatorEnv({ EMULATOR_LATENCY_MS: '40', EMULATOR_JITTER_MS: '10' }).apiLatency).toEqual({
      fixedMs: 40,
      jitterMs: 10,
    });
    expect(readEmulatorEnv({}).apiLatency).toBeUndefined();
    expect(() => readEmulatorEnv({ EMULATOR_LATENCY_MS: 'slow' })).toThrow(/EMULATOR_LATENCY_MS/);
  });
});

describe('Open API latency, through the SDK', () => {
  it('holds each answer as set, from the control API too, and lets it be turned off', async () => {
    const started = await startEmulatorWithToken();
    emulator = started.emulator;
    const lookup = async () => {
      const t0 = performance.now();
      const body = await started.client.request<{ code: number }>(
        {
          method: 'GET',
          url: '/open-apis/meeting_room/room/batch_get_id',
          params: { custom_room_ids: ['test01'] },
          paramsSerializer: { serialize: repeatKeys },
        },
        lark.withTenantToken(started.token),
      );
      expect(body.code).toBe(0);
      return performance.now() - t0;
    };
    expect(emulator.apiLatency()).toEqual({ fixedMs: 0, jitterMs: 0 });

    emulator.setApiLatency({ fixedMs: 60, jitterMs: 0 });
    expect(await lookup()).toBeGreaterThanOrEqual(59);

    const put = await fetch(`${emulator.url}/_emulator/latency`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fixedMs: 80, jitterMs: 5 }),
    });
    expect(await put.json()).toEqual({ fixedMs: 80, jitterMs: 5 });
    expect(await (await fetch(`${emulator.url}/_emulator/latency`)).json()).toEqual({ fixedMs: 80, jitterMs: 5 });
    expect(await lookup()).toBeGreaterThanOrEqual(74);

    const refused = await fetch(`${emulator.url}/_emulator/latency`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fixedMs: -5 }),
    });
    expect(refused.status).toBe(400);
    emulator.setApiLatency({ fixedMs: 0, jitterMs: 0 });
    expect(emulator.apiLatency()).toEqual({ fixedMs: 0, jitterMs: 0 });
  });
});
