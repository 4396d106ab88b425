// The three auth endpoints of a store app (商店应用), as strict as Feishu: app_access_token needs the current
// app_ticket, tenant_access_token a valid app_access_token and a tenant that has the app installed and in use.
//   POST /open-apis/auth/v3/app_access_token      {app_id, app_secret, app_ticket}  → {code, msg, app_access_token, expire}
//   POST /open-apis/auth/v3/tenant_access_token   {app_access_token, tenant_key}    → {code, msg, tenant_access_token, expire}
//   POST /open-apis/auth/v3/app_ticket/resend     {app_id, app_secret}              → {code, msg}; a ticket is pushed next
import type Router from 'koa-router';
import type { AppCredentials } from '../api/auth-routes.js';
import { FeishuCode, FeishuMsg, sendFeishuError } from '../api/errors.js';
import { openApi } from '../api/middleware.js';
import { jsonObjectOf } from '../api/raw-body.js';
import type { ApiContext, EmulatorState } from '../api/state.js';
import type { FaultInjector } from '../faults.js';
import type { Refusal, StoreApp } from './store-app.js';

const REFUSALS: Record<Refusal, { code: number; msg: string }> = {
  ticket: { code: FeishuCode.APP_TICKET_INVALID, msg: FeishuMsg.APP_TICKET_INVALID },
  app_token: { code: FeishuCode.INVALID_APP_TOKEN, msg: FeishuMsg.INVALID_APP_TOKEN },
  not_installed: { code: FeishuCode.TENANT_NOT_INSTALLED, msg: FeishuMsg.TENANT_NOT_INSTALLED },
  stopped: { code: FeishuCode.APP_NOT_IN_USE, msg: FeishuMsg.APP_NOT_IN_USE },
};

function refuse(ctx: ApiContext, refusal: Refusal): void {
  const { code, msg } = REFUSALS[refusal];
  sendFeishuError(ctx, 400, code, msg);
}

/** app_id and app_secret, as the self-built token endpoint checks them; the body when they are right. */
function checkCredentials(ctx: ApiContext, app: AppCredentials): Record<string, unknown> | undefined {
  const body = jsonObjectOf(ctx.state.rawBody);
  if (!body || body.app_id !== app.appId) {
    sendFeishuError(ctx, 400, FeishuCode.INVALID_PARAM, 'invalid param');
    return undefined;
  }
  if (body.app_secret !== app.appSecret) {
    sendFeishuError(ctx, 400, FeishuCode.APP_SECRET_INVALID, 'app secret invalid');
    return undefined;
  }
  return body;
}

export function registerStoreAuthRoutes(
  router: Router<EmulatorState>,
  app: AppCredentials,
  store: StoreApp,
  faults: FaultInjector,
  /** Called after a successful resend: push a new ticket (after the answer, as Feishu does). */
  onResend: () => void,
): void {
  router.post('/open-apis/auth/v3/app_access_token', openApi('token', faults), (ctx) => {
    const body = checkCredentials(ctx, app);
    if (!body) return;
    const issued = store.issueAppToken(body.app_ticket);
    if (typeof issued === 'string') return refuse(ctx, issued);
    ctx.body = { code: 0, msg: 'ok', app_access_token: issued.token, expire: issued.expire };
  });

  router.post('/open-apis/auth/v3/tenant_access_token', openApi('token', faults), (ctx) => {
    const body = jsonObjectOf(ctx.state.rawBody) ?? {};
    const issued = store.issueTenantToken(body.app_access_token, body.tenant_key);
    if (typeof issued === 'string') return refuse(ctx, issued);
    ctx.body = { code: 0, msg: 'ok', tenant_access_token: issued.token, expire: issued.expire };
  });

  router.post('/open-apis/auth/v3/app_ticket/resend', openApi('token', faults), (ctx) => {
    if (!checkCredentials(ctx, app)) return;
    ctx.body = { code: 0, msg: 'success' };
    setImmediate(onResend);
  });
}
