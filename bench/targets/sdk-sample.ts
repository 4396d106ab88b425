// The comparison point: a webhook built exactly as @larksuiteoapi/node-sdk's README documents it under
// "Combined with Koa": `server.use(koaBody())`, then `server.use(lark.adaptKoa('/webhook/event',
// eventDispatcher))`, with an EventDispatcher that has the same Encrypt Key and Verification Token as ours
// and the SDK's default logger level (info: it logs one line when the dispatcher is built, none per event).
// The handler does nothing but count, so only the SDK's intake is measured.
//
// koa-body parses the body; the SDK then checks the signature over JSON.stringify(parsed body), which
// equals the raw bytes only for compact JSON. Feishu's pushes ({"encrypt":"…"}) and the bench's are
// compact, so every push passes: `handled` must equal the 2xx answers (the ack phase checks it).
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as lark from '@larksuiteoapi/node-sdk';
import Koa from 'koa';
import { koaBody } from 'koa-body';

export interface SampleServer {
  url: string;
  eventPath: string;
  /** Events that reached the handler: a push that failed verification never does. */
  handled(): number;
  close(): Promise<void>;
}

export async function startSdkSample(credentials: {
  encryptKey: string;
  verificationToken: string;
}): Promise<SampleServer> {
  let handled = 0;
  const server = new Koa();
  server.use(koaBody());

  const eventDispatcher = new lark.EventDispatcher({
    encryptKey: credentials.encryptKey,
    verificationToken: credentials.verificationToken,
  }).register({
    'im.message.receive_v1': async () => {
      handled += 1;
    },
  });

  server.use(lark.adaptKoa('/webhook/event', eventDispatcher));

  return serveOnLoopback(server, () => handled);
}

/** Listens on a free loopback port and describes the server as the bench needs it. */
export async function serveOnLoopback(app: Koa, handled: () => number): Promise<SampleServer> {
  const listening = app.listen(0, '127.0.0.1');
  await once(listening, 'listening');
  const { port } = listening.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    eventPath: '/webhook/event',
    handled,
    close: () => new Promise((resolve) => listening.close(() => resolve())),
  };
}
