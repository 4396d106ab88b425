// GET /open-apis/bot/v3/info (获取机器人信息): the bot's own open_id and name. Any tenant token will do (the doc
// asks for no scope); the answer carries `bot` at the top level, not under `data`.
import type Router from 'koa-router';
import type { TenantIdentity } from '../events/envelopes.js';
import type { FaultInjector } from '../faults.js';
import type { TokenAuthority } from '../tokens.js';
import { openApi, requireTenantToken } from './middleware.js';
import type { EmulatorState } from './state.js';

/** activate_status 2: 租户启用 (installed and enabled in the tenant). */
const ACTIVATED = 2;

export function registerBotRoutes(
  router: Router<EmulatorState>,
  /** Who the bot is in the tenant whose token authorised the request. */
  identityOf: (tenantKey: string) => TenantIdentity,
  tokens: TokenAuthority,
  faults: FaultInjector,
): void {
  router.get('/open-apis/bot/v3/info', openApi('bot_info', faults), requireTenantToken(tokens), (ctx) => {
    const identity = identityOf(ctx.state.tenantKey ?? '');
    ctx.body = {
      code: 0,
      msg: 'ok',
      bot: {
        activate_status: ACTIVATED,
        app_name: identity.bot.name,
        avatar_url: '',
        ip_white_list: [],
        open_id: identity.bot.openId,
      },
    };
  });
}
