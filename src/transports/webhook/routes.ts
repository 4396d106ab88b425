// The three routes. Transport only: verify, acknowledge, hand over; the bot's work happens elsewhere.
//
// POST /webhook/event and POST /webhook/card share one handler, and the dispatch tells them apart by
// header.event_type: card.action.trigger is answered with the callback's JSON, anything else is an event.
// So a developer console that points both the event and the callback Request URL at one path still works.
import type { Context } from 'koa';
import Router from 'koa-router';
import { METHODS } from 'node:http';
import type { Logger } from '../../log.js';
import type { AppEventDispatch, Answer, Dispatch } from '../dispatch.js';
import { RequestRejected, RETRY_AFTER_SECONDS } from '../../errors.js';
import { readRawBody } from './raw-body.js';
import {
  createEnvelopeDecoder,
  isJsonContentType,
  readSignatureHeaders,
  type EnvelopeDecoder,
  type VerificationSettings,
} from './verify.js';

export type { IntakeOutcome as EventOutcome } from '../../bot/intake.js';

export interface Readiness {
  ready: boolean;
  draining: boolean;
  /** What keeps a started bot from taking events now (e.g. "redis unreachable"); empty or absent: nothing. */
  problems?: string[];
  details?: Record<string, unknown>;
}

export interface RouteOptions extends VerificationSettings {
  /** Serve POST /webhook/event and /webhook/card; false when events come over the long connection. */
  webhookRoutes: boolean;
  bodyLimitBytes: number;
  now: () => number;
  logger: Logger;
  dispatch: Dispatch;
  /** Store app: where schema 1.0 app events go (app_ticket, …); without it they are acknowledged and ignored. */
  dispatchAppEvent?: AppEventDispatch | undefined;
  readiness: () => Readiness;
  renderMetrics?: () => Promise<{ contentType: string; body: string }>;
}

const SERVICE_UNAVAILABLE = { headers: { 'Retry-After': RETRY_AFTER_SECONDS } };

/** Checks the transport-level preconditions before a single byte is read. */
function checkContentHeaders(ctx: Context): void {
  if (!isJsonContentType(ctx.get('content-type'))) {
    throw new RequestRejected(415, 'unsupported_media_type', 'Content-Type must be application/json');
  }
  const encoding = ctx.get('content-encoding').toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    throw new RequestRejected(415, 'unsupported_media_type', `Content-Encoding ${encoding} is not supported`);
  }
}

// Every event gets the same answer, 200 {}: encoded once, its Content-Type set as it is (Koa would
// JSON-encode {} and look the type up again for every push).
const ACK_BODY = Buffer.from('{}');
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

function acknowledge(ctx: Context): void {
  ctx.status = 200;
  ctx.set('Content-Type', JSON_CONTENT_TYPE);
  ctx.body = ACK_BODY;
}

/** The dispatch's answer as HTTP: 200 with {} or the callback's answer, or the refusal's 400 / 503. */
function answer(ctx: Context, answered: Answer, eventId: string): void {
  switch (answered.kind) {
    case 'ack':
      acknowledge(ctx);
      return;
    case 'card':
      ctx.status = 200;
      ctx.body = answered.response;
      return;
    case 'refused':
      throw new RequestRejected(
        answered.status,
        answered.reason,
        answered.message,
        answered.status === 503 ? { ...SERVICE_UNAVAILABLE, eventId } : { eventId },
      );
  }
}

function feishuPush(options: RouteOptions, decode: EnvelopeDecoder, dispatch: Dispatch) {
  return async (ctx: Context): Promise<void> => {
    checkContentHeaders(ctx);
    const rawBody = await readRawBody(ctx.req, options.bodyLimitBytes);
    const decoded = decode(rawBody, readSignatureHeaders(ctx.req.headers), options.now());
    switch (decoded.kind) {
      case 'rejected':
        throw new RequestRejected(decoded.status, decoded.reason, decoded.message, { eventId: decoded.eventId });
      case 'challenge':
        options.logger.info({ path: ctx.path }, 'answered Feishu url_verification');
        ctx.status = 200;
        ctx.body = { challenge: decoded.challenge };
        return;
      case 'legacy':
        if (options.dispatchAppEvent && decoded.event) {
          answer(ctx, await options.dispatchAppEvent(decoded.event), decoded.uuid ?? '');
          return;
        }
        options.logger.info(
          { path: ctx.path, event_type: decoded.eventType, outcome: 'ignored' },
          'schema 1.0 event ignored',
        );
        acknowledge(ctx);
        return;
      case 'event':
        answer(ctx, await dispatch(decoded.envelope), decoded.envelope.header.event_id);
        return;
    }
  };
}

/** Liveness: the process answers. Restarting it would not help with anything readiness reports. */
function livez(ctx: Context): void {
  ctx.status = 200;
  ctx.body = { status: 'alive' };
}

/** Readiness: send events here (started, not draining, the intake store reachable). */
function readyz(readiness: () => Readiness) {
  return (ctx: Context): void => {
    const state = readiness();
    if (state.draining) {
      ctx.status = 503;
      ctx.body = { status: 'draining' };
    } else if (!state.ready) {
      ctx.status = 503;
      ctx.body = { status: 'starting' };
    } else if (state.problems && state.problems.length > 0) {
      ctx.status = 503;
      ctx.body = { status: 'not_ready', problems: state.problems };
    } else {
      ctx.status = 200;
      ctx.body = { ...state.details, status: 'ok' };
    }
  };
}

export function createRouter(options: RouteOptions): Router {
  // every HTTP method is "implemented", so a wrong method on a known path is a 405 (never a 501)
  const router = new Router({ methods: [...METHODS] });
  if (options.webhookRoutes) {
    const push = feishuPush(options, createEnvelopeDecoder(options), options.dispatch);
    router.post('/webhook/event', push);
    router.post('/webhook/card', push);
  }
  router.get('/livez', livez);
  router.get('/readyz', readyz(options.readiness));
  router.get('/healthz', readyz(options.readiness)); // the older name, kept: readiness
  const { renderMetrics } = options;
  if (renderMetrics) {
    router.get('/metrics', async (ctx) => {
      const { contentType, body } = await renderMetrics();
      ctx.set('Content-Type', contentType);
      ctx.body = body;
    });
  }
  return router;
}
