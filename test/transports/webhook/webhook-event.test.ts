import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ENCRYPT_KEY,
  encryptedBody,
  fixture,
  NOW_MS,
  post,
  signatureHeaders,
  signedEncryptedPush,
  startHarness,
  TOKEN,
  withToken,
  type Harness,
} from '../../helpers/webhook-harness.js';

const message = fixture('message-receive-p2p.json');
const challenge = fixture('url-verification.json');

function expectRejectionLogged(h: Harness, reason: string, status: number, extra: Record<string, unknown> = {}) {
  const lines = h.logs.find({ reason, status, ...extra });
  expect(lines, `one log line with reason ${reason}`).toHaveLength(1);
  expect(lines[0]!.path).toBeTypeOf('string');
}

describe('POST /webhook/event with an encrypt key', () => {
  let h: Harness;
  let url: string;
  beforeEach(async () => {
    h = await startHarness();
    url = `${h.url}/webhook/event`;
  });
  afterEach(() => h.close());

  it('answers an encrypted url_verification without any signature headers', async () => {
    const res = await post(url, { body: encryptedBody(challenge), headers: {} });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ challenge: 'ajls384kdjx98XX' });
    expect(h.events).toHaveLength(0);
    expect(h.logs.find({ msg: 'answered Feishu url_verification' })).toHaveLength(1);
  });

  it('answers a plain url_verification too (token checked)', async () => {
    const res = await post(url, { body: JSON.stringify(challenge), headers: {} });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'ajls384kdjx98XX' });
  });

  it('refuses a url_verification with the wrong token: 401, the same answer as any unsigned body (no oracle)', async () => {
    const res = await post(url, { body: encryptedBody(withToken(challenge, 'wrong-token')), headers: {} });
    expect(res.status).toBe(401);
    const garbage = await post(url, {
      body: JSON.stringify({ encrypt: Buffer.alloc(48, 1).toString('base64') }),
      headers: {},
    });
    expect(garbage.status).toBe(401);
    expect(await res.text()).toBe(await garbage.text());
    expect(h.logs.find({ reason: 'missing_signature', status: 401 })).toHaveLength(2);
  });

  it('acknowledges a signed, encrypted event with 200 {} and hands the decrypted envelope to onEvent once', async () => {
    const res = await post(url, signedEncryptedPush(message));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect(h.events).toEqual([message]);
    expect(h.logs.lines.filter((l) => l.level >= 40)).toEqual([]);
  });

  it('refuses a signed event addressed to another app (header.app_id): 400 foreign_app, logged, never handled', async () => {
    const foreign = { ...message, header: { ...(message.header as object), app_id: 'cli_another_app_000001' } };
    const res = await post(url, signedEncryptedPush(foreign));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'foreign_app' });
    expect(h.events).toHaveLength(0);
    expectRejectionLogged(h, 'foreign_app', 400);
    const card = fixture('card-action-trigger.json');
    const click = await post(
      `${h.url}/webhook/card`,
      signedEncryptedPush({ ...card, header: { ...(card.header as object), app_id: 'cli_x' } }),
    );
    expect(click.status).toBe(400);
    expect(h.cardActions).toHaveLength(0);
  });

  it('answers OPTIONS on the webhook routes with 405 like any other method they do not take', async () => {
    for (const path of ['/webhook/event', '/webhook/card']) {
      const res = await fetch(`${h.url}${path}`, { method: 'OPTIONS' });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect(await res.json()).toMatchObject({ error: 'method_not_allowed' });
    }
    expect(h.events).toHaveLength(0);
  });

  it('checks the signature over the raw bytes, not a re-serialisation', async () => {
    const body = `{ "encrypt" :\n  ${JSON.stringify(JSON.parse(encryptedBody(message)).encrypt)} }`;
    const res = await post(url, { body, headers: signatureHeaders(body) });
    expect(res.status).toBe(200);
    expect(h.events).toHaveLength(1);
  });

  it('accepts a plain body when it is signed with the encrypt key', async () => {
    const body = JSON.stringify(message);
    const res = await post(url, { body, headers: signatureHeaders(body) });
    expect(res.status).toBe(200);
    expect(h.events).toEqual([message]);
  });

  it('refuses a bad signature with 401 and does not call onEvent', async () => {
    const push = signedEncryptedPush(message);
    push.headers['X-Lark-Signature'] = signatureHeaders(push.body, { key: 'another key' })['X-Lark-Signature']!;
    const res = await post(url, push);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'bad_signature' });
    expect(h.events).toHaveLength(0);
    expectRejectionLogged(h, 'bad_signature', 401);
  });

  it('refuses a body changed after signing', async () => {
    const push = signedEncryptedPush(message);
    const tampered = { body: encryptedBody(withToken(message, TOKEN)), headers: push.headers };
    const res = await post(url, tampered);
    expect(res.status).toBe(401);
    expect(h.events).toHaveLength(0);
    expectRejectionLogged(h, 'bad_signature', 401);
  });

  it('checks the signature before decrypting: a bad signature on garbage is 401, not 400', async () => {
    const body = JSON.stringify({ encrypt: 'not even base64 !!!' });
    const res = await post(url, { body, headers: signatureHeaders(body, { key: 'another key' }) });
    expect(res.status).toBe(401);
    expectRejectionLogged(h, 'bad_signature', 401);
  });

  it('refuses an event without signature headers: 401', async () => {
    const res = await post(url, { body: encryptedBody(message), headers: {} });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'missing_signature' });
    expect(h.events).toHaveLength(0);
    expectRejectionLogged(h, 'missing_signature', 401);
  });

  it('refuses an event with only some of the signature headers: 401', async () => {
    const push = signedEncryptedPush(message);
    delete push.headers['X-Lark-Request-Nonce'];
    const res = await post(url, push);
    expect(res.status).toBe(401);
    expect(h.events).toHaveLength(0);
    expectRejectionLogged(h, 'missing_signature', 401);
  });

  it.each([
    ['too old', String(NOW_MS / 1000 - 301)],
    ['in the future', String(NOW_MS / 1000 + 301)],
    ['not a number', 'yesterday'],
  ])('refuses a validly signed event whose timestamp is %s: 401', async (_label, timestamp) => {
    const res = await post(url, signedEncryptedPush(message, { timestamp }));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'stale_timestamp' });
    expect(h.events).toHaveLength(0);
    expectRejectionLogged(h, 'stale_timestamp', 401);
  });

  it('accepts a timestamp at the edge of the window', async () => {
    const res = await post(url, signedEncryptedPush(message, { timestamp: String(NOW_MS / 1000 - 300) }));
    expect(res.status).toBe(200);
  });

  it('refuses a decrypted event carrying the wrong verification token: 401, logged with its event_id', async () => {
    const res = await post(url, signedEncryptedPush(withToken(message, 'someone-elses-token')));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'bad_token' });
    expect(h.events).toHaveLength(0);
    expectRejectionLogged(h, 'bad_token', 401, { event_id: '5e3702a84e847582be8db7fb73283c02' });
  });

  it('refuses a signed body that cannot be decrypted with the key: 400', async () => {
    const body = encryptedBody(message, 'not the configured key');
    const res = await post(url, { body, headers: signatureHeaders(body) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'undecryptable' });
    expect(h.events).toHaveLength(0);
    expectRejectionLogged(h, 'undecryptable', 400);
  });

  it('refuses an encrypted body whose plaintext is not JSON: 400', async () => {
    const body = encryptedBody('this is not json');
    const res = await post(url, { body, headers: signatureHeaders(body) });
    expect(res.status).toBe(400);
    expectRejectionLogged(h, 'undecryptable', 400);
  });

  it.each([
    ['truncated JSON', '{"encrypt": "abc'],
    ['a JSON array', '[1, 2]'],
    ['an empty body', ''],
  ])('refuses %s: 400 malformed_json', async (_label, body) => {
    const res = await post(url, { body, headers: signatureHeaders(body) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'malformed_json' });
    expect(h.events).toHaveLength(0);
    expectRejectionLogged(h, 'malformed_json', 400);
  });

  it('refuses an envelope without a header or without event_type: 400', async () => {
    const noHeader = { schema: '2.0', event: {} };
    const noType = structuredClone(message) as { header: Record<string, unknown> };
    delete noType.header.event_type;
    for (const payload of [noHeader, noType]) {
      const res = await post(url, signedEncryptedPush(payload));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_envelope' });
    }
    expect(h.events).toHaveLength(0);
    expect(h.logs.find({ reason: 'invalid_envelope', status: 400 })).toHaveLength(2);
  });

  it('acknowledges a schema 1.0 event with 200 and ignores it; its token is still checked', async () => {
    const legacy = fixture('legacy-schema1-message.json');
    const ok = await post(url, signedEncryptedPush(legacy));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({});
    expect(h.events).toHaveLength(0);
    expect(h.logs.find({ msg: 'schema 1.0 event ignored', event_type: 'message' })).toHaveLength(1);
    const bad = await post(url, signedEncryptedPush(withToken(legacy, 'wrong')));
    expect(bad.status).toBe(401);
  });

  it.each(['duplicate', 'ignored'] as const)('answers 200 when onEvent says %s', async (outcome) => {
    h.outcome = outcome;
    const res = await post(url, signedEncryptedPush(message));
    expect(res.status).toBe(200);
    expect(h.events).toHaveLength(1);
  });

  it('answers 503 with Retry-After when onEvent says busy', async () => {
    h.outcome = 'busy';
    const res = await post(url, signedEncryptedPush(message));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ error: 'busy' });
    expect(h.events).toHaveLength(1);
    expectRejectionLogged(h, 'busy', 503, { event_id: '5e3702a84e847582be8db7fb73283c02' });
  });

  it('answers 503 while draining, without calling onEvent', async () => {
    h.readiness = { ready: true, draining: true };
    const res = await post(url, signedEncryptedPush(message));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ error: 'draining' });
    expect(h.events).toHaveLength(0);
    expectRejectionLogged(h, 'draining', 503);
  });

  it('answers 503 while not ready yet, without calling onEvent', async () => {
    h.readiness = { ready: false, draining: false };
    const res = await post(url, signedEncryptedPush(message));
    expect(res.status).toBe(503);
    expect(h.events).toHaveLength(0);
    expectRejectionLogged(h, 'not_ready', 503);
  });

  it('still answers url_verification while draining (no state involved)', async () => {
    h.readiness = { ready: true, draining: true };
    const res = await post(url, { body: encryptedBody(challenge), headers: {} });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: challenge.challenge });
  });

  it('never writes the encrypt key or the verification token into the logs', async () => {
    await post(url, signedEncryptedPush(message));
    await post(url, signedEncryptedPush(withToken(message, 'wrong')));
    await post(url, { body: encryptedBody(message, 'x'), headers: {} });
    expect(h.logs.lines.length).toBeGreaterThan(0);
    expect(h.logs.text()).not.toContain(ENCRYPT_KEY);
    expect(h.logs.text()).not.toContain(TOKEN);
  });
});

describe('POST /webhook/event when onEvent fails', () => {
  it('answers 500 JSON and logs the error once', async () => {
    const h = await startHarness({
      onEvent: async () => {
        throw new Error('store exploded');
      },
    });
    try {
      const res = await post(`${h.url}/webhook/event`, signedEncryptedPush(message));
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: 'internal_error', message: 'internal error' });
      const errors = h.logs.find({ reason: 'internal_error', status: 500 });
      expect(errors).toHaveLength(1);
      expect(errors[0]!.level).toBe(50);
      expect((errors[0]!.err as { message: string }).message).toBe('store exploded');
    } finally {
      await h.close();
    }
  });
});

describe('POST /webhook/event without an encrypt key', () => {
  let h: Harness;
  let url: string;
  beforeEach(async () => {
    h = await startHarness({ encryptKey: '' });
    url = `${h.url}/webhook/event`;
  });
  afterEach(() => h.close());

  it('answers a plain url_verification', async () => {
    const res = await post(url, { body: JSON.stringify(challenge), headers: {} });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'ajls384kdjx98XX' });
  });

  it('acknowledges a plain event with the right token, no signature needed', async () => {
    const res = await post(url, { body: JSON.stringify(message), headers: {} });
    expect(res.status).toBe(200);
    expect(h.events).toEqual([message]);
  });

  it('refuses a plain event with the wrong token: 401', async () => {
    const res = await post(url, { body: JSON.stringify(withToken(message, 'wrong')), headers: {} });
    expect(res.status).toBe(401);
    expect(h.events).toHaveLength(0);
    expectRejectionLogged(h, 'bad_token', 401);
  });

  it('refuses an encrypted body with 400 and a log saying to set FEISHU_ENCRYPT_KEY', async () => {
    const res = await post(url, { body: encryptedBody(message), headers: {} });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'encrypt_key_missing' });
    const lines = h.logs.find({ reason: 'encrypt_key_missing', status: 400 });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toContain('set FEISHU_ENCRYPT_KEY');
  });
});

describe('answers that arrive together', () => {
  let h: Harness;
  afterEach(() => h.close());

  function messageWithId(messageId: string) {
    const copy = structuredClone(message) as {
      header: { event_id: string };
      event: { message: { message_id: string } };
    };
    copy.header.event_id = `ev_${messageId}`;
    copy.event.message.message_id = messageId;
    return copy as unknown as typeof message;
  }

  it('answers every push of a burst, each with its own 200 {}', async () => {
    h = await startHarness();
    const pushes = Array.from({ length: 40 }, (_, i) => signedEncryptedPush(messageWithId(`om_burst_${i}`)));
    const answers = await Promise.all(pushes.map((push) => post(`${h.url}/webhook/event`, push)));
    expect(answers.map((res) => res.status)).toEqual(pushes.map(() => 200));
    expect(await Promise.all(answers.map((res) => res.json()))).toEqual(pushes.map(() => ({})));
    const ids = h.events.map((envelope) => (envelope.event as { message: { message_id: string } }).message.message_id);
    expect(ids.sort()).toEqual(pushes.map((_, i) => `om_burst_${i}`).sort());
  });

  it('does not hold an answer for a push that is still being handled', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    h = await startHarness({
      onEvent: async (envelope) => {
        if ((envelope.event as { message: { message_id: string } }).message.message_id === 'om_slow') await gate;
        return 'accepted';
      },
    });
    const slow = post(`${h.url}/webhook/event`, signedEncryptedPush(messageWithId('om_slow')));
    await expect.poll(() => h.events.length).toBe(1);
    // answered while the slow one still waits: the fast answer does not wait for the slow handler
    const fast = await post(`${h.url}/webhook/event`, signedEncryptedPush(messageWithId('om_fast')));
    expect(fast.status).toBe(200);
    release();
    expect((await slow).status).toBe(200);
  });
});
