// The comparison point: a webhook built the way @larksuiteoapi/node-sdk's README documents it
// ("Combined with Koa": lark.EventDispatcher + lark.adaptKoa), with the same Encrypt Key and
// Verification Token, so it decrypts and checks the signature of every push as ours does.
// The README's koa-body is left out (it says koa-body is not necessary; adaptKoa then reads the
// body itself), and the handler does nothing but count, so only the SDK's intake is measured.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as lark from '@larksuiteoapi/node-sdk';
import Koa from 'koa';

export interface SampleServer {
  url: string;
  eventPath: string;
  /** Events that reached the handler: a push that failed verification never does. */
  handled(): number;
  close(): Promise<void>;
}

export async function startSdkSample(credentials: { encryptKey: string; verificationToken: string }): Promise<SampleServer> {
  let handled = 0;
  const server = new Koa();
  const eventDispatcher = new lark.EventDispatcher({
    encryptKey: credentials.encryptKey,
    verificationToken: credentials.verificationToken,
    loggerLevel: lark.LoggerLevel.error,
  }).register({
    'im.message.receive_v1': async () => {
      handled += 1;
    },
  });
  server.use(lark.adaptKoa('/webhook/event', eventDispatcher));

  const listening = server.listen(0, '127.0.0.1');
  await once(listening, 'listening');
  const { port } = listening.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    eventPath: '/webhook/event',
    handled: () => handled,
    close: () => new Promise((resolve) => listening.close(() => resolve())),
  };
}
