// A small control API under /_emulator (not Feishu's): lets a developer running `npm start` or
// `npm run emulator` play the user from curl — send a message, read replies, click a card button,
// inject faults, cut the long connections. Tests use the Emulator object instead.
import type Router from 'koa-router';
import { z } from 'zod';
import type { EventEnvelope } from '../../feishu/events.js';
import type { Logger } from '../../log.js';
import type { CardClickResult, UrlVerificationResult } from '../events/callbacks.js';
import type { CardClickInput, MessageInput } from '../events/envelopes.js';
import type { DeliveryResult } from '../events/delivery.js';
import type { FaultSpec } from '../faults.js';
import type { RecordedReply } from '../messages.js';
import type { WsConnectionInfo } from '../ws/connection.js';
import { jsonObjectOf, readRawBody } from './raw-body.js';
import type { ApiContext, EmulatorState } from './state.js';

/** What the control API drives (a subset of the Emulator object). */
export interface EmulatorControls {
  readonly url: string;
  readonly eventTransport: string;
  readonly replies: readonly RecordedReply[];
  eventTargets(): { eventUrl?: string; cardUrl?: string };
  createMessage(input: MessageInput): { messageId: string; eventId: string; chatId: string; envelope: EventEnvelope };
  deliverEnvelope(envelope: EventEnvelope): Promise<DeliveryResult>;
  clickCardButton(input: CardClickInput): Promise<CardClickResult>;
  verifyUrl(which?: 'event' | 'card'): Promise<UrlVerificationResult>;
  injectFault(spec: FaultSpec): void;
  clearFaults(): void;
  expireAllTokens(): void;
  wsConnections(): WsConnectionInfo[];
  dropWsConnections(): number;
}

const messageSchema = z.object({
  text: z.string().optional(),
  post: z.string().optional(),
  chatType: z.enum(['p2p', 'group']).optional(),
  mentionBot: z.boolean().optional(),
  chatId: z.string().optional(),
});

const clickSchema = z.object({
  value: z.union([z.record(z.string(), z.unknown()), z.string()]),
  operatorOpenId: z.string().optional(),
});

const faultSchema = z.object({
  api: z.enum(['token', 'batch_get_id', 'batch_get', 'freebusy', 'reply', 'ws_endpoint', 'any']),
  kind: z.enum(['http_500', 'rate_limit', 'latency', 'error']),
  times: z.number().positive().optional(),
  latencyMs: z.number().nonnegative().optional(),
  code: z.number().int().optional(),
  msg: z.string().optional(),
  httpStatus: z.number().int().optional(),
  resetSeconds: z.number().nonnegative().optional(),
  probability: z.number().min(0).max(1).optional(),
});

async function bodyOf<T>(ctx: ApiContext, schema: z.ZodType<T>): Promise<T | undefined> {
  const parsed = schema.safeParse(jsonObjectOf(await readRawBody(ctx.req, 64 * 1024)) ?? {});
  if (parsed.success) return parsed.data;
  ctx.status = 400;
  ctx.body = { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  return undefined;
}

export function registerControlRoutes(router: Router<EmulatorState>, emulator: EmulatorControls, logger: Logger): void {
  router.get('/_emulator', (ctx) => {
    const openConnections = emulator.wsConnections().filter((connection) => connection.open).length;
    ctx.body = { url: emulator.url, transport: emulator.eventTransport, ...emulator.eventTargets(), wsConnections: openConnections, replies: emulator.replies.length };
  });

  router.post('/_emulator/messages', async (ctx) => {
    const input = await bodyOf(ctx, messageSchema);
    if (!input) return;
    // Answer at once; with Feishu's retry schedule a delivery can take hours.
    const created = emulator.createMessage(input);
    void emulator.deliverEnvelope(created.envelope).catch((err: unknown) => {
      logger.warn({ err, message_id: created.messageId }, 'emulator could not deliver the message');
    });
    ctx.status = 202;
    ctx.body = { message_id: created.messageId, event_id: created.eventId, chat_id: created.chatId };
  });

  router.get('/_emulator/replies', (ctx) => {
    ctx.body = { replies: emulator.replies };
  });

  router.post('/_emulator/replies/:message_id/click', async (ctx) => {
    const input = await bodyOf(ctx, clickSchema);
    if (!input) return;
    ctx.body = await emulator.clickCardButton({ messageId: ctx.params.message_id ?? '', ...input });
  });

  router.post('/_emulator/verify-url', async (ctx) => {
    const input = await bodyOf(ctx, z.object({ which: z.enum(['event', 'card']).optional() }));
    if (!input) return;
    ctx.body = await emulator.verifyUrl(input.which);
  });

  router.post('/_emulator/faults', async (ctx) => {
    const spec = await bodyOf(ctx, faultSchema);
    if (!spec) return;
    emulator.injectFault(spec);
    ctx.status = 204;
  });

  router.delete('/_emulator/faults', (ctx) => {
    emulator.clearFaults();
    ctx.status = 204;
  });

  router.get('/_emulator/connections', (ctx) => {
    ctx.body = { connections: emulator.wsConnections() };
  });

  router.post('/_emulator/connections/drop', (ctx) => {
    ctx.body = { dropped: emulator.dropWsConnections() };
  });

  router.post('/_emulator/tokens/expire', (ctx) => {
    emulator.expireAllTokens();
    ctx.status = 204;
  });
}
