// Feishu's error bodies and the codes the emulator answers with.
// Shape: {code, msg, error: {log_id, troubleshooter?, field_violations?}} (通用错误码; 回复消息 example).
import type { ApiContext } from './state.js';

export const FeishuCode = {
  /** Token endpoint: app_id missing or unknown (通用错误码 10003 invalid parameter). */
  INVALID_PARAM: 10003,
  /** Token endpoint: wrong app_secret. */
  APP_SECRET_INVALID: 10014,
  INTERNAL_ERROR: 1500,
  /** Store app token endpoints (服务端错误码说明): 10012 get app access token fail (a wrong or old app_ticket). */
  APP_TICKET_INVALID: 10012,
  /** A chat of another tenant than the token's (10034: 租户信息不匹配，不能跨企业发起请求). */
  CROSS_TENANT: 10034,
  /** tenant_key of a tenant that has not installed the app, or removed it (20009). */
  TENANT_NOT_INSTALLED: 20009,
  /** The tenant stopped the app (99991662: 检查该应用是否处于停用状态). */
  APP_NOT_IN_USE: 99991662,
  /** An unknown or expired app_access_token (99991664). */
  INVALID_APP_TOKEN: 99991664,
  /** No Authorization header / no Bearer token. */
  MISSING_TOKEN: 99991661,
  /** Unknown or expired tenant_access_token. */
  INVALID_TOKEN: 99991663,
  /** Query or body failed the gateway's field validation (e.g. a required array is missing). */
  FIELD_VALIDATION: 99992402,
  RESOURCE_NOT_FOUND: 99991201,
  /** App lacks the scope the API needs (通用错误码). */
  NO_SCOPE: 99991672,
  /** meeting_room: a page_token it did not issue (会议室错误码 100001 "page token invalid"). */
  MEETING_ROOM_PAGE_TOKEN: 100001,
  /** meeting_room: an unknown building_id (会议室错误码 100004 "building id invalid"). */
  MEETING_ROOM_BUILDING_ID: 100004,
  /** vc: a parameter out of its range (121003 "param error"). */
  VC_PARAM_ERROR: 121003,
  /** meeting_room: a time that is not RFC 3339 (会议室错误码 100003). */
  MEETING_ROOM_TIME_FORMAT: 100003,
  /** IM: invalid request parameter. */
  IM_INVALID_PARAM: 230001,
  /** IM: content over the size limit. */
  IM_CONTENT_TOO_LONG: 230025,
  /** IM: the card could not be built from its JSON (sub-code 200621: parse card json err). */
  IM_CARD_INVALID: 230099,
  /** calendar v4 (日历错误码): a parameter is invalid (e.g. idempotency_key not 32–128 characters). */
  CALENDAR_INVALID_PARAM: 190002,
  /** calendar v4: no such calendar, or not one the caller may write to. */
  CALENDAR_NOT_FOUND: 191001,
  /** calendar v4: no such event (or it was deleted). */
  EVENT_NOT_FOUND: 193001,
  /** calendar v4: the room needs approval, which a booking with the app's identity cannot ask for. */
  ROOM_NEEDS_APPROVAL: 193105,
} as const;

export const FeishuMsg = {
  APP_TICKET_INVALID: 'get app access token fail',
  CROSS_TENANT: 'chat tenant id mismatch tenant access token',
  TENANT_NOT_INSTALLED: 'tenant app not installed',
  APP_NOT_IN_USE: 'app not in use',
  INVALID_APP_TOKEN: 'invalid app token',
  MISSING_TOKEN: 'Missing access token for authorization. Please make a request with token attached.',
  INVALID_TOKEN: 'Invalid access token for authorization. Please make a request with token attached.',
  FIELD_VALIDATION: 'field validation failed',
  MEETING_ROOM_TIME_FORMAT: 'time format must follow RFC3339 standard',
  IM_INVALID_PARAM: 'Your request contains an invalid request parameter',
  IM_CONTENT_TOO_LONG: 'The length of the message content reaches its limit.',
  CALENDAR_INVALID_PARAM: 'invalid parameters in request',
  CALENDAR_NOT_FOUND: 'calendar not found',
  EVENT_NOT_FOUND: 'event not found',
  ROOM_NEEDS_APPROVAL: 'the meeting room needs approval and cannot be booked with an app identity',
  IM_CARD_INVALID:
    'Failed to create card content, ext=ErrCode: 200621; ErrMsg: parse card json err, please check whether the card json is correct; ErrorValue: ',
} as const;

export interface FieldViolation {
  field: string;
  description: string;
}

export interface ErrorDetails {
  fieldViolations?: FieldViolation[];
  headers?: Record<string, string>;
}

/** Answers with a Feishu error body; `code` and `log_id` end up where Feishu puts them. */
export function sendFeishuError(
  ctx: ApiContext,
  httpStatus: number,
  code: number,
  msg: string,
  details: ErrorDetails = {},
): void {
  const logId = ctx.state.logId;
  for (const [name, value] of Object.entries(details.headers ?? {})) ctx.set(name, value);
  ctx.status = httpStatus;
  ctx.body = {
    code,
    msg,
    error: {
      log_id: logId,
      ...(details.fieldViolations ? { field_violations: details.fieldViolations } : {}),
      troubleshooter: `排查建议查看（Troubleshooting suggestions）： https://open.feishu.cn/search?from=openapi&log_id=${logId}&code=${code}`,
    },
  };
}

/** 99992402 for one query/body field, as Feishu's gateway answers a missing or malformed parameter. */
export function sendFieldViolation(ctx: ApiContext, field: string, description: string): void {
  sendFeishuError(ctx, 400, FeishuCode.FIELD_VALIDATION, FeishuMsg.FIELD_VALIDATION, {
    fieldViolations: [{ field, description }],
  });
}
