// The webhook's Koa app. Not listening: main.ts (or a test, on port 0) calls app.listen / http.createServer.
import Koa, { type Context, type Next } from 'koa';
import type { Logger } from '../../log.js';
import { NO_METRICS, type BotMetrics } from '../../metrics.js';
import { createThrottledLog } from '../../throttled-log.js';
import { RequestRejected, type RejectReason } from '../../errors.js';
import type { AppEventDispatch, Dispatch } from '../dispatch.js';
import { handleKoaErrors } from './client-errors.js';
import { createRouter, type Readiness } from './routes.js';

export type { EventOutcome, Readiness } from './routes.js';

export interface WebhookAppOptions {
  /** Serve the webhook's request URLs (default true); false when events come over the long connection (only /livez, /readyz, /metrics). */
  webhookRoutes?: boolean;
  /** Events & Callbacks > Encryption strategy > Verification Token. */
  verificationToken: string;
  /** Encrypt Key; '' = pushes are plain and unsigned. When set, every event must be signed. */
  encryptKey: string;
  /** Largest accepted body; larger gets 413 (config server.bodyLimitBytes). */
  bodyLimitBytes: number;
  /** Accepted skew of X-Lark-Request-Timestamp (config server.signatureToleranceSeconds). */
  signatureToleranceSeconds: number;
  /** Clock in ms (injectable for tests). */
  now?: () => number;
  logger: Logger;
  /** What every transport does with a verified event (transports/dispatch.ts); its answer becomes the HTTP answer. */
  dispatch: Dispatch;
  /** Store app: schema 1.0 app events (app_ticket, app_status_change, app_uninstalled); absent: they are ignored. */
  dispatchAppEvent?: AppEventDispatch | undefined;
  /** GET /readyz and /healthz. */
  readiness: () => Readiness;
  /** Counts refused requests by reason. */
  metrics?: Pick<BotMetrics, 'rejection'>;
  /** GET /metrics; absent: no such route. */
  renderMetrics?: () => Promise<{ contentType: string; body: string }>;
}

function rejectionBody(reason: RejectReason, message: string): { error: RejectReason; message: string } {
  return { error: reason, message };
}

/** Longest part of a request path that is logged or echoed: a path is the client's text, not ours. */
const PATH_SHOWN_MAX = 128;

function shownPath(path: string): string {
  return path.length > PATH_SHOWN_MAX ? `${path.slice(0, PATH_SHOWN_MAX)}…` : path;
}

/**
 * The one place that answers failures: a RequestRejected becomes its 4xx/503 with a JSON body, anything
 * else a 500. Each is logged as a bounded summary (reason, status, method, a shortened path; never the
 * body), at most 10 a second per reason (throttled-log.ts), with the count of those left out: a flood of bad
 * requests or of 503s under overload must not become a flood of log lines.
 */
function errorMiddleware(logger: Logger, metrics: Pick<BotMetrics, 'rejection'>) {
  const log = createThrottledLog(logger);
  const logRejection = (ctx: Context, status: number, reason: RejectReason, message: string, eventId?: string) => {
    metrics.rejection(reason);
    const fields = { reason, status, method: ctx.method, path: shownPath(ctx.path), event_id: eventId };
    if (
      status >= 500 &&
      reason !== 'busy' &&
      reason !== 'draining' &&
      reason !== 'not_ready' &&
      reason !== 'store_unavailable'
    )
      log('error', reason, fields, message);
    // stray requests to a public URL (scanners) are routine; refused pushes deserve attention
    else if (status === 404 || status === 405) log('info', reason, fields, `request rejected: ${message}`);
    else log('warn', reason, fields, `request rejected: ${message}`);
  };

  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (error) {
      if (error instanceof RequestRejected) {
        ctx.status = error.status;
        for (const [name, value] of Object.entries(error.extra.headers ?? {})) ctx.set(name, value);
        if (error.extra.closeConnection) ctx.set('Connection', 'close');
        ctx.body = rejectionBody(error.reason, error.message);
        logRejection(ctx, error.status, error.reason, error.message, error.extra.eventId);
      } else {
        ctx.status = 500;
        ctx.body = rejectionBody('internal_error', 'internal error');
        log(
          'error',
          'internal_error',
          { err: error, reason: 'internal_error', status: 500, method: ctx.method, path: shownPath(ctx.path) },
          'unexpected error while handling a request',
        );
      }
      return;
    }
    // koa-router leaves an empty 404 (no route) or 405 (route, wrong method; Allow already set)
    if (ctx.body === undefined || ctx.body === null) {
      if (ctx.status === 404) {
        ctx.status = 404;
        ctx.body = rejectionBody('not_found', 'no such route');
        logRejection(ctx, 404, 'not_found', 'no such route');
      } else if (ctx.status === 405) {
        ctx.body = rejectionBody('method_not_allowed', `${ctx.method} is not allowed here`);
        logRejection(ctx, 405, 'method_not_allowed', `${ctx.method} is not allowed here`);
      }
    }
  };
}

export function createWebhookApp(options: WebhookAppOptions): Koa {
  const { logger } = options;
  const app = new Koa();
  // Errors that escape the middleware (e.g. a socket error while streaming a response) are logged, not printed.
  app.silent = true;
  handleKoaErrors(app, logger);

  const router = createRouter({
    webhookRoutes: options.webhookRoutes ?? true,
    verificationToken: options.verificationToken,
    encryptKey: options.encryptKey,
    signatureToleranceSeconds: options.signatureToleranceSeconds,
    bodyLimitBytes: options.bodyLimitBytes,
    now: options.now ?? Date.now,
    logger,
    dispatch: options.dispatch,
    dispatchAppEvent: options.dispatchAppEvent,
    readiness: options.readiness,
    ...(options.renderMetrics ? { renderMetrics: options.renderMetrics } : {}),
  });

  app.use(errorMiddleware(logger, options.metrics ?? NO_METRICS));
  app.use(refuseOptions);
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

/**
 * koa-router answers OPTIONS with 200 and an Allow list; Feishu never sends it and no browser calls these
 * routes, so it is refused like any other method the route does not take (the error middleware writes the 405).
 */
async function refuseOptions(ctx: Koa.Context, next: Koa.Next): Promise<void> {
  await next();
  if (ctx.method === 'OPTIONS' && ctx.status === 200) {
    ctx.body = null;
    ctx.status = 405;
  }
}
