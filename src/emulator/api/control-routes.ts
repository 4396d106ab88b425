// A small control API under /_emulator (not Feishu's): lets a developer running `npm start` or
// `npm run emulator` play the user from curl — send a message, read replies, click a card button,
// inject faults, cut the long connections. Tests use the Emulator object instead.
import type Router from 'koa-router';
import { z } from 'zod';
import type { EventEnvelope } from '../../protocol/events.js';
import type { Logger } from '../../log.js';
import type { CardClickResult, UrlVerificationResult } from '../events/callbacks.js';
import { withTypedMentions, type CardClickInput, type MessageInput } from '../events/envelopes.js';
import type { DeliveryResult } from '../events/delivery.js';
import type { FaultSpec } from '../faults.js';
import { MAX_LATENCY_MS, type ApiLatency } from '../latency.js';
import type { RecordedReply } from '../messages.js';
import type { WsConnectionInfo } from '../ws/connection.js';
import { jsonObjectOf, readRawBody } from './raw-body.js';
import type { ApiContext, EmulatorState } from './state.js';

/** What the control API drives (a subset of the Emulator object). */
export interface EmulatorControls {
  readonly url: string;
  readonly eventTransport: string;
  /** The bot's name, which "@<name>" in a typed text mentions. */
  readonly botName: string;
  readonly replies: readonly RecordedReply[];
  onReply(listener: (reply: RecordedReply) => void): () => void;
  eventTargets(): { eventUrl?: string; cardUrl?: string };
  createMessage(input: MessageInput): { messageId: string; eventId: string; chatId: string; envelope: EventEnvelope };
  deliverEnvelope(envelope: EventEnvelope): Promise<DeliveryResult>;
  clickCardButton(input: CardClickInput): Promise<CardClickResult>;
  verifyUrl(which?: 'event' | 'card'): Promise<UrlVerificationResult>;
  injectFault(spec: FaultSpec): void;
  clearFaults(): void;
  apiLatency(): ApiLatency;
  setApiLatency(latency: ApiLatency): ApiLatency;
  expireAllTokens(): void;
  wsConnections(): WsConnectionInfo[];
  dropWsConnections(): number;
}

const mentionSchema = z.union([
  z.enum(['bot', 'all']),
  z.object({ name: z.string().min(1), tenantKey: z.string().min(1).optional() }),
]);

const messageSchema = z.object({
  text: z.string().optional(),
  post: z.string().optional(),
  chatType: z.enum(['p2p', 'group']).optional(),
  mentionBot: z.boolean().optional(),
  mentions: z.array(mentionSchema).optional(),
  senderTenantKey: z.string().min(1).optional(),
  /** Store app: the installed tenant the message is sent in. */
  tenantKey: z.string().min(1).optional(),
  chatId: z.string().optional(),
});

const clickSchema = z.object({
  value: z.union([z.record(z.string(), z.unknown()), z.string()]),
  operatorOpenId: z.string().optional(),
  operatorTenantKey: z.string().min(1).optional(),
});

const faultSchema = z.object({
  api: z.enum(['token', 'batch_get_id', 'batch_get', 'freebusy', 'reply', 'bot_info', 'ws_endpoint', 'any']),
  kind: z.enum(['http_500', 'rate_limit', 'latency', 'error']),
  times: z.number().positive().optional(),
  latencyMs: z.number().nonnegative().optional(),
  code: z.number().int().optional(),
  msg: z.string().optional(),
  httpStatus: z.number().int().optional(),
  resetSeconds: z.number().nonnegative().optional(),
  probability: z.number().min(0).max(1).optional(),
});

const latencySchema = z.object({
  fixedMs: z.number().min(0).max(MAX_LATENCY_MS),
  jitterMs: z.number().min(0).max(MAX_LATENCY_MS).default(0),
});

/** Longest wait of GET /_emulator/replies?wait=…, in seconds. */
export const MAX_REPLY_WAIT_SECONDS = 30;

const repliesQuerySchema = z.object({
  /** Only replies to this message (the message_id POST /_emulator/messages answered). */
  to: z.string().min(1).optional(),
  /** Only replies after the first N, or after the reply with this message_id. */
  after: z.string().min(1).optional(),
  /** Seconds to wait for a first matching reply when there is none yet. */
  wait: z.coerce.number().min(0).max(MAX_REPLY_WAIT_SECONDS).optional(),
});

type RepliesQuery = z.infer<typeof repliesQuerySchema>;

/** Index of the first reply `after` leaves in, or undefined when it names no reply. */
function startIndex(replies: readonly RecordedReply[], after: string | undefined): number | undefined {
  if (after === undefined) return 0;
  if (/^\d+$/.test(after)) return Number(after);
  const index = replies.findIndex((reply) => reply.replyMessageId === after);
  return index === -1 ? undefined : index + 1;
}

function selectReplies(replies: readonly RecordedReply[], start: number, to: string | undefined): RecordedReply[] {
  const later = replies.slice(start);
  return to === undefined ? later : later.filter((reply) => reply.parentMessageId === to);
}

/** Resolves at the first new reply that `matches`, after `waitMs`, or when the client goes away. */
function nextReply(
  emulator: EmulatorControls,
  ctx: ApiContext,
  matches: (reply: RecordedReply) => boolean,
  waitMs: number,
): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop();
      ctx.res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, waitMs);
    const stop = emulator.onReply((reply) => {
      if (matches(reply)) done();
    });
    ctx.res.once('close', done); // the client hung up, or the emulator is closing
  });
}

function badRequest(ctx: ApiContext, error: string): undefined {
  ctx.status = 400;
  ctx.body = { error };
  return undefined;
}

function validated<T>(ctx: ApiContext, schema: z.ZodType<T>, input: unknown): T | undefined {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  return badRequest(ctx, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
}

async function bodyOf<T>(ctx: ApiContext, schema: z.ZodType<T>): Promise<T | undefined> {
  return validated(ctx, schema, jsonObjectOf(await readRawBody(ctx.req, 64 * 1024)) ?? {});
}

export function registerControlRoutes(router: Router<EmulatorState>, emulator: EmulatorControls, logger: Logger): void {
  router.get('/_emulator', (ctx) => {
    const openConnections = emulator.wsConnections().filter((connection) => connection.open).length;
    ctx.body = {
      url: emulator.url,
      transport: emulator.eventTransport,
      ...emulator.eventTargets(),
      wsConnections: openConnections,
      replies: emulator.replies.length,
    };
  });

  router.post('/_emulator/messages', async (ctx) => {
    const input = await bodyOf(ctx, messageSchema);
    if (!input) return;
    // Answer at once; with Feishu's retry schedule a delivery can take hours.
    const created = emulator.createMessage(withTypedMentions(input, emulator.botName));
    void emulator.deliverEnvelope(created.envelope).catch((err: unknown) => {
      logger.warn({ err, message_id: created.messageId }, 'emulator could not deliver the message');
    });
    ctx.status = 202;
    ctx.body = {
      message_id: created.messageId,
      event_id: created.eventId,
      chat_id: created.chatId,
      replies: `/_emulator/replies?to=${created.messageId}&wait=10`,
    };
  });

  // Long poll: with `wait`, an empty answer is held until a matching reply arrives (or the time is up),
  // so `curl …/replies?to=<message_id>&wait=10` right after posting shows the reply, not [].
  // `count` is every reply so far: pass it as `after` to get only newer ones next time.
  router.get('/_emulator/replies', async (ctx) => {
    const query: RepliesQuery | undefined = validated(ctx, repliesQuerySchema, ctx.query);
    if (!query) return;
    const start = startIndex(emulator.replies, query.after);
    if (start === undefined)
      return badRequest(ctx, `after: no reply ${query.after} (give a count or a reply's message_id)`);
    let selected = selectReplies(emulator.replies, start, query.to);
    if (selected.length === 0 && query.wait) {
      await nextReply(
        emulator,
        ctx,
        (reply) => query.to === undefined || reply.parentMessageId === query.to,
        query.wait * 1000,
      );
      selected = selectReplies(emulator.replies, start, query.to);
    }
    ctx.body = { replies: selected, count: emulator.replies.length };
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

  router.get('/_emulator/latency', (ctx) => {
    ctx.body = emulator.apiLatency();
  });

  // Every Open API answer from now on waits fixedMs ± jitterMs: {"fixedMs": 40, "jitterMs": 10} as Feishu, {"fixedMs": 0} off.
  router.put('/_emulator/latency', async (ctx) => {
    const latency = await bodyOf(ctx, latencySchema);
    if (!latency) return;
    ctx.body = emulator.setApiLatency(latency);
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
