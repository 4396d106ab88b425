// Fault injection for the Open API side: make the next call(s) of an API fail the way Feishu fails.
// Codes: 通用错误码 (99991400 frequency limit, 99991672 missing scope), 回复消息 (230020 message rate limit).
// The long connection's endpoint can be refused the same way ('ws_endpoint'; its business errors come in
// an HTTP 200 {code, msg, data: {}}, e.g. code 1000040343, the one the SDK retries).

/** The Open APIs the emulator serves, by short name; 'any' matches all of them but the directory lists. */
export type ApiName =
  'token' | 'batch_get_id' | 'batch_get' | 'freebusy' | 'reply' | 'bot_info' | DirectoryApiName | BookingApiName;

/** The calendar v4 calls of booking, and the card update in place. */
export type BookingApiName =
  'calendar_primary' | 'event_create' | 'event_delete' | 'attendee_create' | 'attendee_list' | 'message_patch';

/** The lists a directory sync reads (background work, so 'any' leaves them alone: name them to fail them). */
export type DirectoryApiName = 'building_list' | 'room_list' | 'room_levels' | 'vc_rooms';
const DIRECTORY_APIS: ReadonlySet<string> = new Set(['building_list', 'room_list', 'room_levels', 'vc_rooms']);

/** What a fault can target: an Open API, or the long connection's endpoint (which 'any' does not match). */
export type FaultTarget = ApiName | 'ws_endpoint';

export type FaultKind = 'http_500' | 'rate_limit' | 'latency' | 'error';

export interface FaultSpec {
  api: FaultTarget | 'any';
  kind: FaultKind;
  /** How many matching requests this fault affects; default 1, Infinity allowed. */
  times?: number;
  /** 'latency': how long to hold the request before answering normally (or with another fault). */
  latencyMs?: number;
  /** Feishu `code` of the answer. Defaults: http_500 → 1500, rate_limit → 99991400; required for 'error'. */
  code?: number;
  msg?: string;
  /** HTTP status. Defaults: http_500 → 500, rate_limit → 429 (400 when code is 230020), error → 400 (200 at ws_endpoint). */
  httpStatus?: number;
  /** rate_limit: x-ogw-ratelimit-reset in seconds (default 1) and x-ogw-ratelimit-limit (default 50). */
  resetSeconds?: number;
  limit?: number;
  /** Chance (0..1) that a matching request is affected; a request left alone does not use up `times`. */
  probability?: number;
}

/** A fault that fired: what the API layer must answer instead of the real response. */
export interface FaultResponse {
  kind: Exclude<FaultKind, 'latency'>;
  httpStatus: number;
  code: number;
  msg: string;
  headers: Record<string, string>;
}

export interface FaultDecision {
  /** Total latency to add before answering (from every matching latency fault). */
  delayMs: number;
  /** The failure to answer with, if a non-latency fault fired. */
  response?: FaultResponse;
}

interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
}

export const MESSAGE_RATE_LIMIT_CODE = 230020;

export class FaultInjector {
  private active: ActiveFault[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  /** Adds a fault; faults fire in the order they were injected. Returns a function that removes it. */
  inject(spec: FaultSpec): () => void {
    if (spec.kind === 'error' && spec.code === undefined) throw new Error("fault kind 'error' needs a code");
    if (spec.kind === 'latency' && !(spec.latencyMs !== undefined && spec.latencyMs >= 0)) {
      throw new Error("fault kind 'latency' needs latencyMs");
    }
    const fault: ActiveFault = { spec, remaining: spec.times ?? 1 };
    this.active.push(fault);
    return () => {
      this.active = this.active.filter((f) => f !== fault);
    };
  }

  clear(): void {
    this.active = [];
  }

  /** Faults still armed (for diagnostics). */
  pending(): FaultSpec[] {
    return this.active.map((f) => f.spec);
  }

  /** Decides what happens to one request to `api`, using up the faults that fire. */
  decide(api: FaultTarget): FaultDecision {
    const decision: FaultDecision = { delayMs: 0 };
    for (const fault of this.active) {
      if (fault.remaining <= 0 || !targets(fault.spec, api)) continue;
      if (fault.spec.kind !== 'latency' && decision.response) continue;
      if (this.random() >= (fault.spec.probability ?? 1)) continue;
      fault.remaining -= 1;
      if (fault.spec.kind === 'latency') decision.delayMs += fault.spec.latencyMs ?? 0;
      else decision.response = faultResponse(fault.spec);
    }
    this.active = this.active.filter((f) => f.remaining > 0);
    return decision;
  }
}

function targets(spec: FaultSpec, api: FaultTarget): boolean {
  return spec.api === api || (spec.api === 'any' && api !== 'ws_endpoint' && !DIRECTORY_APIS.has(api));
}

function faultResponse(spec: FaultSpec): FaultResponse {
  switch (spec.kind) {
    case 'http_500':
      return {
        kind: 'http_500',
        httpStatus: spec.httpStatus ?? 500,
        code: spec.code ?? 1500,
        msg: spec.msg ?? 'internal error',
        headers: {},
      };
    case 'rate_limit': {
      const code = spec.code ?? 99991400;
      if (code === MESSAGE_RATE_LIMIT_CODE) {
        // The message-sending limit is a business error of the IM API, not a gateway 429 (回复消息 error table).
        return {
          kind: 'rate_limit',
          httpStatus: spec.httpStatus ?? 400,
          code,
          msg: spec.msg ?? 'This operation triggers the frequency limit.',
          headers: {},
        };
      }
      return {
        kind: 'rate_limit',
        httpStatus: spec.httpStatus ?? 429,
        code,
        msg: spec.msg ?? 'request trigger frequency limit',
        headers: {
          'x-ogw-ratelimit-limit': String(spec.limit ?? 50),
          'x-ogw-ratelimit-reset': String(spec.resetSeconds ?? 1),
        },
      };
    }
    case 'error':
      return {
        kind: 'error',
        httpStatus: spec.httpStatus ?? (spec.api === 'ws_endpoint' ? 200 : 400),
        code: spec.code ?? 0,
        msg: spec.msg ?? `error ${spec.code ?? 0}`,
        headers: {},
      };
    case 'latency':
      throw new Error('latency faults have no response');
  }
}
