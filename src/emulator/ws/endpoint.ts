// POST /callback/ws/endpoint {AppID, AppSecret}: where a long connection starts (the SDK's pullConnectConfig).
// Answer: {code, msg, data: {URL, ClientConfig}}. A refusal still carries `data: {}`: the Node SDK reads
// data.URL before it looks at code, and without `data` it would retry silently instead of reporting.
import type Router from 'koa-router';
import type { AppCredentials } from '../api/auth-routes.js';
import { jsonObjectOf } from '../api/raw-body.js';
import type { ApiContext, EmulatorState } from '../api/state.js';
import type { FaultInjector } from '../faults.js';
import type { WsGateway } from './gateway.js';
import { WS_ENDPOINT_PATH, WsCode } from './protocol.js';

function refuse(ctx: ApiContext, code: number, msg: string, httpStatus = 200): void {
  ctx.status = httpStatus;
  ctx.body = { code, msg, data: {} };
}

export function registerWsEndpoint(
  router: Router<EmulatorState>,
  app: AppCredentials,
  gateway: WsGateway,
  faults: FaultInjector,
): void {
  router.post(WS_ENDPOINT_PATH, async (ctx) => {
    const decision = faults.decide('ws_endpoint');
    if (decision.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
    const fault = decision.response;
    if (fault) {
      ctx.state.fault = fault.kind;
      for (const [name, value] of Object.entries(fault.headers)) ctx.set(name, value);
      return refuse(ctx, fault.code, fault.msg, fault.httpStatus);
    }
    const body = jsonObjectOf(ctx.state.rawBody);
    // Keyless ClientAssertion credentials are not emulated: only AppID + AppSecret open a connection.
    if (!body || body.AppID !== app.appId || body.AppSecret !== app.appSecret) {
      return refuse(ctx, WsCode.AUTH_FAILED, 'auth failed: wrong AppID or AppSecret');
    }
    const issued = gateway.issueUrl();
    if ('refusal' in issued) return refuse(ctx, issued.refusal.code, issued.refusal.msg);
    ctx.body = { code: WsCode.OK, msg: 'ok', data: { URL: issued.url, ClientConfig: gateway.clientConfig() } };
  });
}
