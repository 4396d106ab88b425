// POST /open-apis/auth/v3/tenant_access_token/internal (自建应用获取 tenant_access_token).
import type Router from 'koa-router';
import type { FaultInjector } from '../faults.js';
import type { TokenIssuer } from '../tokens.js';
import { FeishuCode, sendFeishuError } from './errors.js';
import { openApi } from './middleware.js';
import { jsonObjectOf } from './raw-body.js';
import type { EmulatorState } from './state.js';

export interface AppCredentials {
  appId: string;
  appSecret: string;
}

export function registerAuthRoutes(
  router: Router<EmulatorState>,
  app: AppCredentials,
  tokens: TokenIssuer,
  faults: FaultInjector,
): void {
  router.post('/open-apis/auth/v3/tenant_access_token/internal', openApi('token', faults), (ctx) => {
    const body = jsonObjectOf(ctx.state.rawBody);
    if (!body || body.app_id !== app.appId) {
      return sendFeishuError(ctx, 400, FeishuCode.INVALID_PARAM, 'invalid param');
    }
    if (body.app_secret !== app.appSecret) {
      return sendFeishuError(ctx, 400, FeishuCode.APP_SECRET_INVALID, 'app secret invalid');
    }
    const { token, expire } = tokens.issue();
    ctx.body = { code: 0, msg: 'ok', tenant_access_token: token, expire };
  });
}
