// What the emulator's middleware keeps on ctx.state for one Open API request.
import type { ParameterizedContext } from 'koa';
import type { ApiName } from '../faults.js';

export interface EmulatorState {
  /** x-tt-logid of this response, also error.log_id. */
  logId: string;
  /** Which Open API the route serves (for faults and the request log). */
  api?: ApiName;
  /** Request body bytes, read once by the request-log middleware. */
  rawBody: Buffer;
  /** The tenant whose tenant_access_token authorised the request (requireTenantToken). */
  tenantKey?: string;
  /** Set when an injected fault answered instead of the route. */
  fault?: string;
}

export type ApiContext = ParameterizedContext<EmulatorState>;
