// Shared pieces of the emulator tests: an emulator with fresh credentials, a real SDK client pointed at
// it, a tiny webhook receiver on a free loopback port, and a reader for Feishu error answers.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import * as lark from '@larksuiteoapi/node-sdk';
import { isAxiosError } from 'axios';
import Koa from 'koa';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';

export interface TestApp {
  appId: string;
  appSecret: string;
  verificationToken: string;
}

/**
 * Fresh credentials per emulator: the SDK's token cache is process-wide and keyed by app_id, so a
 * reused app_id would hand one emulator's token to another. The app_id has Feishu's shape (cli_ + 16 hex):
 * the SDK's WSClient refuses to start with any other.
 */
export function freshApp(): TestApp {
  return {
    appId: `cli_${randomBytes(8).toString('hex')}`,
    appSecret: randomBytes(12).toString('hex'),
    verificationToken: randomBytes(12).toString('hex'),
  };
}

export async function startTestEmulator(
  overrides: Partial<EmulatorOptions> = {},
): Promise<Emulator & { app: TestApp }> {
  const app = freshApp();
  const emulator = await startEmulator({ ...app, ...overrides });
  return Object.assign(emulator, { app });
}

const quietSdkLogger = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {}, trace: () => {} };

/** The real SDK client, with its own token management, talking to the emulator. */
export function sdkClient(
  emulator: Emulator,
  app: Pick<TestApp, 'appId' | 'appSecret'>,
  options: { disableTokenCache?: boolean } = {},
): lark.Client {
  return new lark.Client({
    appId: app.appId,
    appSecret: app.appSecret,
    domain: emulator.url,
    appType: lark.AppType.SelfBuild,
    disableTokenCache: options.disableTokenCache ?? false,
    logger: quietSdkLogger,
  });
}

/** custom_room_ids=a&custom_room_ids=b, as Feishu expects. */
export function repeatKeys(params: Record<string, string | readonly string[]>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    for (const item of typeof value === 'string' ? [value] : value) query.append(key, item);
  return query.toString();
}

export interface FeishuFailure {
  status: number;
  code: number | undefined;
  msg: string | undefined;
  logId: string | undefined;
  headers: Record<string, unknown>;
  body: Record<string, unknown>;
}

/** Awaits a call that must fail over HTTP and returns what Feishu (the emulator) answered. */
export async function failureOf(call: Promise<unknown>): Promise<FeishuFailure> {
  try {
    await call;
  } catch (err) {
    if (!isAxiosError(err) || !err.response) throw err;
    const body = (err.response.data ?? {}) as { code?: number; msg?: string; error?: { log_id?: string } };
    return {
      status: err.response.status,
      code: body.code,
      msg: body.msg,
      logId: body.error?.log_id,
      headers: { ...err.response.headers },
      body: body as Record<string, unknown>,
    };
  }
  throw new Error('expected the call to fail');
}

/** What the receiver saw of one request. */
export interface ReceivedPush {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  at: number;
}

export interface ReceiverReply {
  status?: number;
  body?: unknown;
  /** Hold the answer this long (to be slower than the ack timeout). */
  delayMs?: number;
}

export interface Receiver {
  url: string;
  received: ReceivedPush[];
  close(): Promise<void>;
}

/** A webhook on 127.0.0.1:0 that records raw requests and answers what `answer` says (default 200 {}). */
export async function startReceiver(
  answer: (push: ReceivedPush, index: number) => ReceiverReply | Promise<ReceiverReply> = () => ({}),
): Promise<Receiver> {
  const received: ReceivedPush[] = [];
  const app = new Koa();
  app.use(async (ctx) => {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const push: ReceivedPush = {
      path: ctx.path,
      headers: { ...ctx.headers },
      rawBody: Buffer.concat(chunks),
      at: Date.now(),
    };
    const index = received.push(push) - 1;
    const reply = await answer(push, index);
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    ctx.status = reply.status ?? 200;
    ctx.body = reply.body ?? {};
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Posts a card reply as the bot would (token + im.message.reply through the SDK); returns the reply's message_id. */
export async function replyAsBot(
  emulator: Emulator,
  app: TestApp,
  messageId: string,
  card: Record<string, unknown>,
): Promise<string> {
  const client = sdkClient(emulator, app, { disableTokenCache: true });
  const tokenBody = (await client.auth.tenantAccessToken.internal({
    data: { app_id: app.appId, app_secret: app.appSecret },
  })) as unknown as {
    tenant_access_token: string;
  };
  const response = await client.im.message.reply(
    { path: { message_id: messageId }, data: { msg_type: 'interactive', content: JSON.stringify(card) } },
    lark.withTenantToken(tokenBody.tenant_access_token),
  );
  return response.data!.message_id!;
}

/** A tenant_access_token from the emulator, through the SDK's typed auth API (the answer is top-level, not under data). */
export async function fetchTenantToken(
  client: lark.Client,
  app: Pick<TestApp, 'appId' | 'appSecret'>,
): Promise<string> {
  const body = (await client.auth.tenantAccessToken.internal({
    data: { app_id: app.appId, app_secret: app.appSecret },
  })) as unknown as {
    tenant_access_token: string;
  };
  return body.tenant_access_token;
}

/** An emulator, a real SDK client without its own token cache, and a tenant token from that emulator. */
export async function startEmulatorWithToken(): Promise<{
  emulator: Emulator & { app: TestApp };
  client: lark.Client;
  token: string;
}> {
  const emulator = await startTestEmulator();
  const client = sdkClient(emulator, emulator.app, { disableTokenCache: true });
  return { emulator, client, token: await fetchTenantToken(client, emulator.app) };
}
