// The call helper's rules, one by one: how a failure is classified (HTTP status + Feishu `code`), what is
// retried and after how long (x-ogw-ratelimit-reset, jittered exponential backoff), the one token refresh,
// and what the metrics and the log are told. Errors are built as axios builds them (the SDK calls through axios).
import { AxiosError, AxiosHeaders } from 'axios';
import { describe, expect, it } from 'vitest';
import { FeishuApiError, type FeishuFailureKind } from '../../src/errors.js';
import { callWithRetry, toFeishuError, type CallPolicy, type TokenSource } from '../../src/feishu/call-with-retry.js';
import { captureLogs } from '../helpers/log-capture.js';

const API = 'meeting_room.room.batch_get_id';

/** An HTTP answer as axios throws it for a non-2xx status. */
function httpError(status: number, data: unknown = {}, headers: Record<string, string> = {}): AxiosError {
  const config = { headers: new AxiosHeaders() };
  return new AxiosError(
    `Request failed with status code ${status}`,
    'ERR_BAD_RESPONSE',
    config,
    {},
    { status, statusText: '', headers, data, config },
  );
}

/** No answer at all (refused, reset, timed out), as axios throws it. */
const networkError = (code = 'ECONNREFUSED') => new AxiosError(`connect ${code} 127.0.0.1:9`, code);

const feishuBody = (code: number, msg = 'feishu says no', logId = '20240101000000abcdef') => ({
  code,
  msg,
  error: { log_id: logId },
});

interface Harness {
  policy: CallPolicy;
  sleeps: number[];
  logs: ReturnType<typeof captureLogs>;
  calls: Array<{ api: string; code: string; seconds: number }>;
  retries: string[];
}

function harness(
  options: Partial<Pick<CallPolicy, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'random'>> = {},
): Harness {
  const logs = captureLogs();
  const sleeps: number[] = [];
  const calls: Harness['calls'] = [];
  const retries: string[] = [];
  const policy: CallPolicy = {
    maxAttempts: options.maxAttempts ?? 4,
    baseDelayMs: options.baseDelayMs ?? 200,
    maxDelayMs: options.maxDelayMs ?? 5000,
    logger: logs.logger,
    random: options.random ?? (() => 0.5),
    sleep: async (ms) => void sleeps.push(ms),
    metrics: {
      feishuCall: (api, code, seconds) => void calls.push({ api, code, seconds }),
      retry: (scope) => void retries.push(scope),
    },
  };
  return { policy, sleeps, logs, calls, retries };
}

/** A call that throws (or answers) each of `outcomes` in turn, then answers `{ code: 0 }`; counts its calls. */
function scripted(outcomes: unknown[]) {
  const tokens: string[] = [];
  const call = async (token: string) => {
    tokens.push(token);
    const next = outcomes.shift();
    if (next instanceof Error) throw next;
    return next ?? { code: 0, data: { ok: true } };
  };
  return { call, tokens };
}

async function failure(promise: Promise<unknown>): Promise<FeishuApiError> {
  const error: unknown = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(FeishuApiError);
  return error as FeishuApiError;
}

describe('classification', () => {
  const rows: Array<{ name: string; thrown: unknown; kind: FeishuFailureKind }> = [
    { name: 'HTTP 429 without a code', thrown: httpError(429), kind: 'rate_limited' },
    { name: '99991400 (app rate limit)', thrown: httpError(400, feishuBody(99991400)), kind: 'rate_limited' },
    { name: '230020 (message rate limit)', thrown: httpError(400, feishuBody(230020)), kind: 'rate_limited' },
    { name: '99991661 (token missing)', thrown: httpError(400, feishuBody(99991661)), kind: 'invalid_token' },
    { name: '99991663 (token invalid)', thrown: httpError(400, feishuBody(99991663)), kind: 'invalid_token' },
    { name: '99991672 (scope not enabled)', thrown: httpError(400, feishuBody(99991672)), kind: 'permission' },
    { name: '99991679 (user scope)', thrown: httpError(403, feishuBody(99991679)), kind: 'permission' },
    { name: '230027 (lack of permission)', thrown: httpError(400, feishuBody(230027)), kind: 'permission' },
    { name: 'HTTP 500', thrown: httpError(500), kind: 'unavailable' },
    { name: 'HTTP 503 with a body', thrown: httpError(503, 'Service Unavailable'), kind: 'unavailable' },
    { name: 'no answer (network)', thrown: networkError(), kind: 'unavailable' },
    { name: 'a timeout', thrown: networkError('ECONNABORTED'), kind: 'unavailable' },
    { name: 'another code', thrown: httpError(400, feishuBody(230001)), kind: 'rejected' },
    { name: 'HTTP 404 without a code', thrown: httpError(404), kind: 'rejected' },
  ];

  it.each(rows)('$name → $kind', ({ thrown, kind }) => {
    const error = toFeishuError(API, thrown);
    expect(error).toBeInstanceOf(FeishuApiError);
    expect((error as FeishuApiError).kind).toBe(kind);
    expect((error as FeishuApiError).api).toBe(API);
  });

  it("keeps Feishu's code, msg, log_id and the HTTP status", () => {
    const error = toFeishuError(
      API,
      httpError(400, feishuBody(230001, 'invalid param', 'log-from-body'), { 'x-tt-logid': 'log-from-header' }),
    ) as FeishuApiError;
    expect(error).toMatchObject({ code: 230001, feishuMsg: 'invalid param', logId: 'log-from-body', httpStatus: 400 });
  });

  it('takes log_id from x-tt-logid when the body has none', () => {
    const error = toFeishuError(API, httpError(502, {}, { 'x-tt-logid': 'log-from-header' })) as FeishuApiError;
    expect(error.logId).toBe('log-from-header');
  });

  it('reads x-ogw-ratelimit-reset (seconds) as the wait Feishu asks for', () => {
    expect(
      (toFeishuError(API, httpError(429, {}, { 'x-ogw-ratelimit-reset': '3' })) as FeishuApiError).retryAfterMs,
    ).toBe(3000);
    expect(
      (toFeishuError(API, httpError(429, {}, { 'x-ogw-ratelimit-reset': 'soon' })) as FeishuApiError).retryAfterMs,
    ).toBeUndefined();
    expect(
      (toFeishuError(API, httpError(429, {}, { 'x-ogw-ratelimit-reset': '-1' })) as FeishuApiError).retryAfterMs,
    ).toBeUndefined();
  });

  it('a network error says what happened in place of a Feishu message', () => {
    expect(toFeishuError(API, networkError('ECONNRESET'))).toMatchObject({
      kind: 'unavailable',
      feishuMsg: 'ECONNRESET',
      httpStatus: undefined,
    });
  });

  it('errors that are not HTTP errors, and FeishuApiErrors, pass through unchanged', () => {
    const bug = new TypeError('x is undefined');
    const already = new FeishuApiError('rejected', API, 1, 'm', undefined, 400);
    expect(toFeishuError(API, bug)).toBe(bug);
    expect(toFeishuError(API, already)).toBe(already);
  });

  it('a 200 whose body has code != 0 is a failure, classified by its code', async () => {
    const { policy } = harness({ maxAttempts: 1 });
    const error = await failure(
      callWithRetry(API, policy, scripted([feishuBody(230027, 'no permission', 'log-200')]).call),
    );
    expect(error).toMatchObject({
      kind: 'permission',
      code: 230027,
      feishuMsg: 'no permission',
      logId: 'log-200',
      httpStatus: 200,
    });
  });

  it('a 200 with code 0, or with no code at all, is the answer', async () => {
    const { policy } = harness();
    await expect(callWithRetry(API, policy, async () => ({ code: 0, data: { n: 1 } }))).resolves.toEqual({
      code: 0,
      data: { n: 1 },
    });
    await expect(callWithRetry(API, policy, async () => ({ tenant_access_token: 't' }))).resolves.toEqual({
      tenant_access_token: 't',
    });
  });
});

describe('retries', () => {
  it('retries what is retryable (rate limit, 5xx, network) until it succeeds', async () => {
    const { policy, sleeps } = harness({ maxAttempts: 4 });
    const script = scripted([httpError(503), networkError(), feishuBody(99991400)]);
    await expect(callWithRetry(API, policy, script.call)).resolves.toMatchObject({ code: 0 });
    expect(script.tokens).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
  });

  it('gives up after maxAttempts and throws the last failure', async () => {
    const { policy, sleeps } = harness({ maxAttempts: 3 });
    const script = scripted([httpError(500), httpError(502), httpError(503), httpError(504)]);
    const error = await failure(callWithRetry(API, policy, script.call));
    expect(error).toMatchObject({ kind: 'unavailable', httpStatus: 503 });
    expect(script.tokens).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it.each([
    ['permission', httpError(400, feishuBody(99991672))],
    ['rejected', httpError(400, feishuBody(230001))],
    ['rejected on a 200', feishuBody(230001)],
  ])('throws a %s failure at once, without waiting', async (_name, outcome) => {
    const { policy, sleeps } = harness({ maxAttempts: 4 });
    const script = scripted([outcome]);
    await failure(callWithRetry(API, policy, script.call));
    expect(script.tokens).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("does not retry an error that is not Feishu's (a bug stays visible)", async () => {
    const { policy, sleeps } = harness({ maxAttempts: 4 });
    const bug = new TypeError('cannot read properties of undefined');
    const script = scripted([bug]);
    await expect(callWithRetry(API, policy, script.call)).rejects.toBe(bug);
    expect(script.tokens).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('waits as long as x-ogw-ratelimit-reset says, capped at maxDelayMs', async () => {
    const { policy, sleeps } = harness({ maxAttempts: 3, maxDelayMs: 5000 });
    const script = scripted([
      httpError(429, {}, { 'x-ogw-ratelimit-reset': '2' }),
      httpError(429, feishuBody(99991400), { 'x-ogw-ratelimit-reset': '60' }),
    ]);
    await callWithRetry(API, policy, script.call);
    expect(sleeps).toEqual([2000, 5000]);
  });

  it('backs off exponentially from baseDelayMs, jittered between half and all of each step, capped at maxDelayMs', async () => {
    const failures = () => [httpError(503), httpError(503), httpError(503), httpError(503)];
    const low = harness({ maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 1000, random: () => 0 });
    await callWithRetry(API, low.policy, scripted(failures()).call);
    expect(low.sleeps).toEqual([100, 200, 400, 500]);

    const high = harness({ maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 1000, random: () => 1 });
    await callWithRetry(API, high.policy, scripted(failures()).call);
    expect(high.sleeps).toEqual([200, 400, 800, 1000]);

    const middle = harness({ maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 1000, random: () => 0.5 });
    await callWithRetry(API, middle.policy, scripted([networkError()]).call);
    expect(middle.sleeps).toEqual([150]);
  });

  it('a rate limit without x-ogw-ratelimit-reset backs off like any retryable failure', async () => {
    const { policy, sleeps } = harness({ maxAttempts: 2, baseDelayMs: 200, random: () => 1 });
    await callWithRetry(API, policy, scripted([httpError(429)]).call);
    expect(sleeps).toEqual([200]);
  });
});

describe('tenant token', () => {
  function tokenSource(): TokenSource & { issued: string[]; invalidated: string[] } {
    let current = 't1';
    let next = 2;
    const issued: string[] = [];
    const invalidated: string[] = [];
    return {
      issued,
      invalidated,
      async get() {
        issued.push(current);
        return current;
      },
      invalidate(token) {
        invalidated.push(token);
        if (token === current) current = `t${next++}`;
      },
    };
  }

  it('passes each attempt a token from the source', async () => {
    const { policy } = harness();
    const tokens = tokenSource();
    const script = scripted([httpError(503)]);
    await callWithRetry(API, policy, script.call, tokens);
    expect(script.tokens).toEqual(['t1', 't1']);
  });

  it('an invalid token is dropped and the call made again with a new one, at once', async () => {
    const { policy, sleeps, logs } = harness();
    const tokens = tokenSource();
    const script = scripted([httpError(400, feishuBody(99991663))]);
    await expect(callWithRetry(API, policy, script.call, tokens)).resolves.toMatchObject({ code: 0 });
    expect(tokens.invalidated).toEqual(['t1']);
    expect(script.tokens).toEqual(['t1', 't2']);
    expect(sleeps).toEqual([]);
    expect(logs.find({ msg: 'feishu token rejected; fetching a new one', code: 99991663 })).toHaveLength(1);
  });

  it('refreshes once only: a second invalid-token answer is thrown', async () => {
    const { policy } = harness({ maxAttempts: 4 });
    const tokens = tokenSource();
    const script = scripted([httpError(400, feishuBody(99991663)), feishuBody(99991661)]);
    const error = await failure(callWithRetry(API, policy, script.call, tokens));
    expect(error).toMatchObject({ kind: 'invalid_token', code: 99991661 });
    expect(tokens.invalidated).toEqual(['t1']);
    expect(script.tokens).toEqual(['t1', 't2']);
  });

  it('without a token source an invalid-token answer is thrown at once', async () => {
    const { policy } = harness();
    const script = scripted([httpError(400, feishuBody(99991663))]);
    await failure(callWithRetry(API, policy, script.call));
    expect(script.tokens).toEqual(['']);
  });
});

describe('metrics and log', () => {
  it("counts every attempt with Feishu's code or what happened instead, and every retry", async () => {
    const { policy, calls, retries } = harness({ maxAttempts: 5 });
    const script = scripted([
      httpError(429, feishuBody(99991400)),
      httpError(503),
      networkError(),
      new TypeError('bug'),
    ]);
    await expect(callWithRetry(API, policy, script.call)).rejects.toBeInstanceOf(TypeError);
    expect(calls.map((call) => call.code)).toEqual(['99991400', 'http_503', 'network', 'error']);
    expect(calls.every((call) => call.api === API && call.seconds >= 0)).toBe(true);
    expect(retries).toEqual(['call', 'call', 'call']);
  });

  it("a success is counted with code '0' and no retry", async () => {
    const { policy, calls, retries } = harness();
    await callWithRetry(API, policy, scripted([]).call);
    expect(calls.map((call) => call.code)).toEqual(['0']);
    expect(retries).toEqual([]);
  });

  it("logs each retry with Feishu's fields, the attempt and the wait", async () => {
    const { policy, logs } = harness({ maxAttempts: 2, random: () => 1 });
    await callWithRetry(
      API,
      policy,
      scripted([httpError(400, feishuBody(99991400, 'too many requests', 'log-rl'))]).call,
    );
    const [line] = logs.find({ msg: 'feishu call failed; retrying' });
    expect(line).toMatchObject({
      api: API,
      kind: 'rate_limited',
      code: 99991400,
      feishu_msg: 'too many requests',
      log_id: 'log-rl',
      attempt: 1,
      retry_in_ms: 200,
    });
  });

  it('logs nothing when the call succeeds at once', async () => {
    const { policy, logs } = harness();
    await callWithRetry(API, policy, scripted([]).call);
    expect(logs.lines).toEqual([]);
  });
});
