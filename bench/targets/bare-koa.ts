// The ceiling: a Koa route (koa-router, as ours) that reads the whole body and answers 200 {} —
// no verification, no decryption, no de-duplication. Ours can approach it, never pass it.
import type { IncomingMessage } from 'node:http';
import Koa from 'koa';
import Router from 'koa-router';
import { serveOnLoopback, type SampleServer } from './sdk-sample.js';

/** The whole body, as every Koa route without a body parser has to read it. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startBareKoa(): Promise<SampleServer> {
  let handled = 0;
  const app = new Koa();
  const router = new Router();
  router.post('/webhook/event', async (ctx) => {
    await readBody(ctx.req);
    handled += 1;
    ctx.status = 200;
    ctx.body = {};
  });
  app.use(router.routes());

  return serveOnLoopback(app, () => handled);
}
