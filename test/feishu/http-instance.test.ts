// Our HTTP instance keeps the contract the SDK and call-with-retry.ts expect of axios: the body of a 2xx answer,
// AxiosErrors for the rest (response for HTTP failures, ECONNABORTED for a timeout, the socket's code otherwise).
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAxiosError, type AxiosError } from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { createLeanHttpInstance } from '../../src/feishu/http-instance.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

interface Seen {
  method?: string;
  url?: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function serve(answer: (seen: Seen) => { status: number; body: string; delayMs?: number }) {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(request);
      const { status, body, delayMs = 0 } = answer(request);
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-tt-logid': 'log-1' });
        res.end(body);
      }, delayMs);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

async function failure(call: Promise<unknown>): Promise<AxiosError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAxiosError(error)) throw new Error(`expected an AxiosError, got ${String(error)}`);
  return error;
}

describe('our HTTP instance', () => {
  it('sends JSON and params as asked (a serializer function, { serialize }, or key=value) and resolves to the parsed body', async () => {
    const { url, seen } = await serve(() => ({ status: 200, body: '{"code":0,"data":{"ok":true}}' }));
    const http = createLeanHttpInstance({ timeoutMs: 1000 });
    const body = await http.request({
      url: `${url}/open-apis/x`,
      method: 'POST',
      headers: { Authorization: 'Bearer t' },
      data: { a: 1 },
      params: { ids: ['a', 'b'] },
      paramsSerializer: (params) => (params.ids as string[]).map((id) => `ids=${id}`).join('&'),
    });
    expect(body).toEqual({ code: 0, data: { ok: true } });
    await http.request({
      url: `${url}/y`,
      params: { ids: ['c', 'd'] },
      paramsSerializer: { serialize: (params: { ids: string[] }) => params.ids.map((id) => `k=${id}`).join('&') },
    });
    await http.get(`${url}/z`, { params: { ids: ['e', 'f'], one: 1 } });
    expect(seen.map((s) => [s.method, s.url])).toEqual([
      ['POST', '/open-apis/x?ids=a&ids=b'],
      ['GET', '/y?k=c&k=d'],
      ['GET', '/z?ids=e&ids=f&one=1'],
    ]);
    expect(seen[0]!.body).toBe('{"a":1}');
    expect(seen[0]!.headers).toMatchObject({ authorization: 'Bearer t', 'content-type': 'application/json' });
    expect(seen[1]!.headers['content-length']).toBeUndefined();
  });

  it('rejects an HTTP failure with its status, parsed body and headers, as axios would', async () => {
    const { url } = await serve(() => ({ status: 429, body: '{"code":99991400,"msg":"limit"}' }));
    const error = await failure(createLeanHttpInstance({ timeoutMs: 1000 }).get(`${url}/a`));
    expect(error.response?.status).toBe(429);
    expect(error.response?.data).toEqual({ code: 99991400, msg: 'limit' });
    expect(error.response?.headers['x-tt-logid']).toBe('log-1');
  });

  it('times out with ECONNABORTED, and names the socket error when nothing answers', async () => {
    const { url } = await serve(() => ({ status: 200, body: '{}', delayMs: 500 }));
    const timedOut = await failure(createLeanHttpInstance({ timeoutMs: 50 }).get(`${url}/slow`));
    expect(timedOut.code).toBe('ECONNABORTED');
    expect(timedOut.response).toBeUndefined();
    server!.closeAllConnections();
    server!.close();
    const refused = await failure(createLeanHttpInstance({ timeoutMs: 500 }).get(`${url}/gone`));
    expect(refused.code).toBe('ECONNREFUSED');
  });

  it('refuses an answer larger than its limit', async () => {
    const { url } = await serve(() => ({ status: 200, body: JSON.stringify({ big: 'x'.repeat(4096) }) }));
    const error = await failure(createLeanHttpInstance({ timeoutMs: 1000, maxResponseBytes: 1024 }).get(`${url}/big`));
    expect(error.message).toMatch(/maxContentLength/);
  });
});
