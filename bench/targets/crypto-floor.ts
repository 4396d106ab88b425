// The floor of any webhook that does what the durable-intake issue requires of ours, and nothing else: the
// bare Koa route (koa-router, read the body) plus the work every signed, encrypted push must cost — the
// signature over the raw bytes (SHA-256), the body parsed, the `encrypt` field decrypted with Node's
// aes-256-cbc (key derived once), the envelope parsed — then 200 {}. No token check, no event checks, no
// intake, no logging, no metrics: ours can approach it, never pass it. It shows how much of the ack path's
// cost is Koa, HTTP and the mandated crypto, which no implementation can shed.
import Koa from 'koa';
import Router from 'koa-router';
import {
  aesKeyFor,
  decryptPayload,
  signatureDigest,
  signatureMatches,
  SIGNATURE_HEADERS,
} from '../../src/protocol/crypto.js';
import { readBody } from './bare-koa.js';
import { serveOnLoopback, type SampleServer } from './sdk-sample.js';

export async function startCryptoFloor(credentials: { encryptKey: string }): Promise<SampleServer> {
  let handled = 0;
  const aesKey = aesKeyFor(credentials.encryptKey);
  const app = new Koa();
  const router = new Router();
  router.post('/webhook/event', async (ctx) => {
    const raw = await readBody(ctx.req);
    const timestamp = ctx.get(SIGNATURE_HEADERS.timestamp);
    const nonce = ctx.get(SIGNATURE_HEADERS.nonce);
    const signed = signatureMatches(
      signatureDigest(timestamp, nonce, credentials.encryptKey, raw),
      ctx.get(SIGNATURE_HEADERS.signature),
    );
    const { encrypt } = JSON.parse(raw.toString('utf8')) as { encrypt: string };
    const envelope = JSON.parse(decryptPayload(encrypt, aesKey)) as { header?: unknown };
    if (!signed || !envelope.header) ctx.throw(401);
    handled += 1;
    ctx.status = 200;
    ctx.body = {};
  });
  app.use(router.routes());
  return serveOnLoopback(app, () => handled);
}
