// The start-up credentials check against the emulator, through the real SDK: refused credentials end the
// start with a message naming the variables; an unreachable Feishu is retried with backoff until it answers.
import { afterEach, describe, expect, it } from 'vitest';
import type { CallPolicy } from '../../src/feishu/call-with-retry.js';
import { createFeishuClient } from '../../src/feishu/client.js';
import { createTenantTokenProvider, waitForTenantToken } from '../../src/feishu/token.js';
import { StartupError } from '../../src/errors.js';
import type { Emulator } from '../../src/emulator/index.js';
import { captureLogs } from '../helpers/log-capture.js';
import { startTestEmulator } from '../helpers/emulator.js';

let emulator: (Emulator & { app: { appId: string; appSecret: string } }) | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function check(credentials: { appId?: string; appSecret?: string; domain?: string } = {}, signal?: AbortSignal) {
  emulator ??= await startTestEmulator();
  const logs = captureLogs();
  const app = {
    appId: credentials.appId ?? emulator.app.appId,
    appSecret: credentials.appSecret ?? emulator.app.appSecret,
  };
  const domain = credentials.domain ?? emulator.url;
  const policy: CallPolicy = { maxAttempts: 1, logger: logs.logger };
  const client = createFeishuClient({ ...app, domain, timeoutMs: 2000, logger: logs.logger });
  const tokens = createTenantTokenProvider(client, app, policy);
  const result = waitForTenantToken(tokens, domain, { logger: logs.logger, signal, firstDelayMs: 20, maxDelayMs: 50 });
  return { result, logs, tokens };
}

const retries = (logs: ReturnType<typeof captureLogs>) =>
  logs.lines.filter((line) => String(line.msg).startsWith('Feishu not reachable at start'));

describe('credentials check at start', () => {
  it('passes when Feishu issues a token, and that token is the one the bot then uses', async () => {
    const { result, tokens } = await check();
    await expect(result).resolves.toBeUndefined();
    await tokens.get();
    expect(emulator!.issuedTokens()).toHaveLength(1);
  });

  it("a wrong secret (10014) or an unknown app ID (10003) is refused with the variables and Feishu's code, never the secret", async () => {
    const wrongSecret = await check({ appSecret: 'not-the-secret' });
    const refused = await wrongSecret.result.catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StartupError);
    expect((refused as Error).message).toMatch(
      /FEISHU_APP_ID \/ FEISHU_APP_SECRET \(code 10014: app secret invalid, http 400, log_id \w+\)/,
    );
    expect((refused as Error).message).not.toContain('not-the-secret');

    const unknownApp = await check({ appId: 'cli_nobody' });
    await expect(unknownApp.result).rejects.toThrow(/FEISHU_APP_ID \/ FEISHU_APP_SECRET \(code 10003/);
    expect(retries(wrongSecret.logs)).toHaveLength(0);
  });

  it('names FEISHU_DOMAIN too when what answered is not the Open API', async () => {
    emulator = await startTestEmulator();
    const { result } = await check({ domain: `${emulator.url}/not-feishu` });
    await expect(result).rejects.toThrow(/FEISHU_DOMAIN \(http:\/\/127\.0\.0\.1:\d+\/not-feishu\)/);
  });

  it('keeps trying with growing pauses while Feishu fails (5xx, rate limit), until it issues a token', async () => {
    emulator = await startTestEmulator();
    emulator.faults.inject({ api: 'token', kind: 'http_500', times: 3 });
    emulator.faults.inject({ api: 'token', kind: 'rate_limit', times: 1 });
    const { result, logs } = await check();
    await expect(result).resolves.toBeUndefined();
    expect(retries(logs).map((line) => line.retry_in_ms)).toEqual([20, 40, 50, 50]);
    expect(logs.find({ msg: 'Feishu reachable: tenant token issued', attempts: 5 })).toHaveLength(1);
  });

  it('keeps trying while nothing answers at all, and ends quietly when the process stops', async () => {
    const stopping = new AbortController();
    const { result, logs } = await check({ domain: 'http://127.0.0.1:1' }, stopping.signal);
    await expect.poll(() => retries(logs).length).toBeGreaterThanOrEqual(2);
    stopping.abort();
    await expect(result).resolves.toBeUndefined();
  });
});
