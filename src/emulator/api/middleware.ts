// Middleware shared by every Open API route: log id, request log, injected faults, token check.
import type { IncomingHttpHeaders } from 'node:http';
import type { Middleware } from 'koa';
import type { Logger } from '../../log.js';
import type { ApiName, FaultInjector } from '../faults.js';
import { newLogId } from '../ids.js';
import type { TokenAuthority } from '../tokens.js';
import { FeishuCode, FeishuMsg, sendFeishuError } from './errors.js';
import { BodyTooLargeError, jsonObjectOf, readRawBody } from './raw-body.js';
import type { ApiContext, EmulatorState } from './state.js';

/** One Open API request as the emulator saw it, with what it answered. */
export interface ApiRequestRecord {
  at: number;
  /** Short API name, when the path matched one of the emulated APIs. */
  api?: ApiName;
  method: string;
  path: string;
  /** The raw query string, exactly as sent (e.g. "custom_room_ids=test01&custom_room_ids=test02"). */
  query: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  status: number;
  /** Feishu `code` of the answer. */
  code?: number;
  /** Kind of the injected fault that answered, if one did. */
  fault?: string;
}

const BODY_LIMIT_BYTES = 1024 * 1024;

/** Outermost: a log id on every response (x-tt-logid), and unexpected errors answered as Feishu's 500. */
export function logIdAndErrors(logger: Logger): Middleware<EmulatorState> {
  return async (ctx, next) => {
    ctx.state.logId = newLogId();
    ctx.state.rawBody = Buffer.alloc(0);
    ctx.set('x-tt-logid', ctx.state.logId);
    try {
      await next();
    } catch (err) {
      logger.error({ err, path: ctx.path }, 'emulator route failed');
      sendFeishuError(ctx, 500, FeishuCode.INTERNAL_ERROR, 'internal error');
    }
  };
}

/**
 * Reads the body once and appends every Open Platform request (/open-apis, and /callback: the long
 * connection's endpoint) to `log` after it is answered (keeps the last maxRecords).
 */
export function recordRequests(
  log: ApiRequestRecord[],
  now: () => number,
  logger: Logger,
  maxRecords: number,
): Middleware<EmulatorState> {
  return async (ctx, next) => {
    if (!ctx.path.startsWith('/open-apis/') && !ctx.path.startsWith('/callback/')) return next();
    const at = now();
    let bodyRead = true;
    try {
      ctx.state.rawBody = await readRawBody(ctx.req, BODY_LIMIT_BYTES);
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) throw err;
      bodyRead = false;
      sendFeishuError(ctx, 413, FeishuCode.FIELD_VALIDATION, err.message);
    }
    if (bodyRead) await next();
    const record = toRecord(ctx, at);
    log.push(record);
    if (log.length > maxRecords) log.splice(0, log.length - maxRecords);
    logger.debug(
      {
        api: record.api,
        method: record.method,
        path: record.path,
        status: record.status,
        code: record.code,
        fault: record.fault,
      },
      'open api request',
    );
  };
}

function toRecord(ctx: ApiContext, at: number): ApiRequestRecord {
  const raw = ctx.state.rawBody;
  const text = raw.toString('utf8');
  const body = ctx.body as { code?: unknown } | undefined;
  return {
    at,
    ...(ctx.state.api ? { api: ctx.state.api } : {}),
    method: ctx.method,
    path: ctx.path,
    query: ctx.querystring,
    headers: { ...ctx.headers },
    body: raw.length === 0 ? undefined : (jsonObjectOf(raw) ?? text),
    status: ctx.status,
    ...(typeof body?.code === 'number' ? { code: body.code } : {}),
    ...(ctx.state.fault ? { fault: ctx.state.fault } : {}),
  };
}

/** Names the API of a route and lets injected faults answer (or delay) it first. */
export function openApi(api: ApiName, faults: FaultInjector): Middleware<EmulatorState> {
  return async (ctx, next) => {
    ctx.state.api = api;
    const decision = faults.decide(api);
    if (decision.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
    const fault = decision.response;
    if (!fault) return next();
    ctx.state.fault = fault.kind;
    sendFeishuError(ctx, fault.httpStatus, fault.code, fault.msg, { headers: fault.headers });
  };
}

/** Authorization: Bearer <tenant_access_token>; missing → 99991661, unknown/expired → 99991663 (通用错误码). */
export function requireTenantToken(tokens: TokenAuthority): Middleware<EmulatorState> {
  return async (ctx, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'));
    if (!match) return sendFeishuError(ctx, 400, FeishuCode.MISSING_TOKEN, FeishuMsg.MISSING_TOKEN);
    const tenantKey = tokens.tenantOf(match[1]!);
    if (tenantKey === undefined) return sendFeishuError(ctx, 400, FeishuCode.INVALID_TOKEN, FeishuMsg.INVALID_TOKEN);
    ctx.state.tenantKey = tenantKey;
    return next();
  };
}
