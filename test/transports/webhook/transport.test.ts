import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  encryptedBody,
  fixture,
  post,
  signedEncryptedPush,
  startHarness,
  type Harness,
} from '../../helpers/webhook-harness.js';
import { rawRequest } from '../../helpers/raw-http.js';

const message = fixture('message-receive-p2p.json');
const LIMIT = 4096;

describe('webhook transport: media type, body limit, methods, paths', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ bodyLimitBytes: LIMIT });
  });
  afterEach(() => h.close());

  it.each([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['JSON in Latin-1', 'application/json; charset=iso-8859-1'],
  ])('refuses %s with 415', async (_label, contentType) => {
    const res = await post(`${h.url}/webhook/event`, signedEncryptedPush(message), contentType);
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ error: 'unsupported_media_type' });
    expect(h.events).toHaveLength(0);
    expect(h.logs.find({ reason: 'unsupported_media_type', status: 415, path: '/webhook/event' })).toHaveLength(1);
  });

  it('refuses a body without Content-Type with 415', async () => {
    const push = signedEncryptedPush(message);
    const res = await fetch(`${h.url}/webhook/event`, {
      method: 'POST',
      body: new Blob([push.body]),
      headers: push.headers,
    });
    expect(res.status).toBe(415);
    expect(h.events).toHaveLength(0);
  });

  it('refuses a compressed body with 415', async () => {
    const push = signedEncryptedPush(message);
    push.headers['Content-Encoding'] = 'gzip';
    const res = await post(`${h.url}/webhook/event`, push);
    expect(res.status).toBe(415);
    expect(h.events).toHaveLength(0);
  });

  it('accepts a body exactly at the limit (the limit is not off by one)', async () => {
    const body = JSON.stringify({ ...message, padding: '' });
    const padded = JSON.stringify({ ...message, padding: 'x'.repeat(LIMIT - Buffer.byteLength(body)) });
    expect(Buffer.byteLength(padded)).toBe(LIMIT);
    const res = await post(`${h.url}/webhook/event`, { body: padded, headers: {} });
    // unsigned, so 401 — but it was read and judged, not refused for its size
    expect(res.status).toBe(401);
  });

  it('refuses a body over the limit with 413 (declared Content-Length)', async () => {
    const body = encryptedBody({ ...message, padding: 'x'.repeat(LIMIT) });
    const res = await post(`${h.url}/webhook/event`, { body, headers: {} });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'body_too_large' });
    expect(h.events).toHaveLength(0);
    expect(h.logs.find({ reason: 'body_too_large', status: 413 })).toHaveLength(1);
  });

  it('refuses a chunked body over the limit with 413 (no Content-Length: bytes are counted)', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 6) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(`${h.url}/webhook/event`, {
      method: 'POST',
      body: stream,
      headers: { 'Content-Type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(h.events).toHaveLength(0);
    expect(h.logs.find({ reason: 'body_too_large', status: 413 })).toHaveLength(1);
  });

  it('answers 413 from a declared Content-Length at once, without waiting for the body', async () => {
    // the client claims 10 MB and sends 10 bytes: a server that read first would wait forever
    const res = await rawRequest(
      h.url,
      ['POST /webhook/event HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 10000000'],
      ['{"encrypt"'],
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'body_too_large' });
    expect(res.headers.connection).toBe('close');
    expect(h.logs.find({ reason: 'body_too_large' })).toHaveLength(1);
  });

  it('stops reading a chunked body that never ends once it passes the limit, and answers 413', async () => {
    const chunk = 'y'.repeat(1000);
    const chunks = Array.from({ length: 6 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    // no terminating 0-chunk: the body never ends, so only counting can stop it
    const res = await rawRequest(
      h.url,
      [
        'POST /webhook/event HTTP/1.1',
        'Host: 127.0.0.1',
        'Content-Type: application/json',
        'Transfer-Encoding: chunked',
      ],
      chunks,
    );
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(h.events).toHaveLength(0);
  });

  it('answers a wrong method on a known path with 405 and an Allow header', async () => {
    const get = await fetch(`${h.url}/webhook/event`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toContain('POST');
    expect(await get.json()).toMatchObject({ error: 'method_not_allowed' });

    const put = await fetch(`${h.url}/healthz`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toContain('GET');
    expect(put.headers.get('allow')).not.toContain('POST');

    const del = await fetch(`${h.url}/webhook/card`, { method: 'DELETE' });
    expect(del.status).toBe(405);

    expect(h.logs.find({ reason: 'method_not_allowed', status: 405 })).toHaveLength(3);
  });

  it('answers an unknown path with a JSON 404', async () => {
    const res = await fetch(`${h.url}/webhook/events`, {
      method: 'POST',
      body: '{}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
    expect(h.logs.find({ reason: 'not_found', status: 404, path: '/webhook/events' })).toHaveLength(1);
  });
});

describe('GET /healthz', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('is 200 {status: ok, …details} when ready', async () => {
    h.readiness = { ready: true, draining: false, details: { queue: { pending: 0, running: 1 }, store: 'redis' } };
    const res = await fetch(`${h.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', queue: { pending: 0, running: 1 }, store: 'redis' });
  });

  it('is 503 {status: starting} before it is ready', async () => {
    h.readiness = { ready: false, draining: false };
    const res = await fetch(`${h.url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'starting' });
  });

  it('is 503 {status: draining} while shutting down', async () => {
    h.readiness = { ready: true, draining: true };
    const res = await fetch(`${h.url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'draining' });
  });

  it('details cannot override the status', async () => {
    h.readiness = { ready: true, draining: false, details: { status: 'weird' } };
    expect(await (await fetch(`${h.url}/healthz`)).json()).toEqual({ status: 'ok' });
  });
});
