// The long connection's vocabulary (长连接: 使用长连接接收事件/回调), as the official SDKs speak it:
// node-sdk `lib/index.js` (WSClient, pbbp2) and oapi-sdk-go `ws/const.go`. Pure: no I/O.
import { isJsonObject } from '../../json.js';

/** Path of the endpoint discovery call, relative to the Open Platform domain. */
export const WS_ENDPOINT_PATH = '/callback/ws/endpoint';

/** Where the emulator accepts WebSocket upgrades (Feishu's gateway uses /ws/v2 too). */
export const WS_UPGRADE_PATH = '/ws/v2';

/** `code` of the endpoint answer and of handshake rejections (oapi-sdk-go ws/const.go). */
export const WsCode = {
  OK: 0,
  SYSTEM_BUSY: 1,
  FORBIDDEN: 403,
  AUTH_FAILED: 514,
  /** The only code the Node SDK retries; every other non-zero code ends its WSClient. */
  INTERNAL_ERROR: 1000040343,
  EXCEED_CONN_LIMIT: 1000040350,
} as const;

/** Frame.method: control frames carry ping/pong, data frames carry events and their acknowledgements. */
export const FrameMethod = { CONTROL: 0, DATA: 1 } as const;

export const HeaderKey = {
  TYPE: 'type',
  MESSAGE_ID: 'message_id',
  /** Number of fragments of the message (1 when not split). */
  SUM: 'sum',
  /** 0-based index of this fragment. */
  SEQ: 'seq',
  TRACE_ID: 'trace_id',
  /** Added by the client to its acknowledgement: how long the handler took, in ms. */
  BIZ_RT: 'biz_rt',
  HANDSHAKE_STATUS: 'Handshake-Status',
  HANDSHAKE_MSG: 'Handshake-Msg',
  HANDSHAKE_AUTH_ERR_CODE: 'Handshake-Autherrcode',
} as const;

export const MessageType = { EVENT: 'event', CARD: 'card', PING: 'ping', PONG: 'pong' } as const;

/**
 * What the endpoint answer and every pong carry. All in seconds (the SDK multiplies by 1000, so
 * fractions work for tests). Every field must be present: the SDK assigns each one as is, and an absent
 * PingInterval becomes a NaN timer, i.e. a ping every millisecond.
 */
export interface WsClientConfig {
  /** Reconnect attempts after a drop; -1 = forever. */
  ReconnectCount: number;
  /** Pause between reconnect attempts. */
  ReconnectInterval: number;
  /** The first reconnect waits a random time up to this (spreads a fleet's reconnects). */
  ReconnectNonce: number;
  /** Pause between the client's pings. */
  PingInterval: number;
}

/** What Feishu hands out (observed values of the real endpoint). */
export const FEISHU_WS_CLIENT_CONFIG: Readonly<WsClientConfig> = {
  ReconnectCount: -1,
  ReconnectInterval: 120,
  ReconnectNonce: 30,
  PingInterval: 120,
};

/** Open long connections allowed per app (长连接 limits: at most 50 connections per app). */
export const FEISHU_WS_MAX_CONNECTIONS = 50;

/** The acknowledgement a client sends back in a data frame's payload; `data` is base64 JSON (a callback's answer). */
export interface WsAck {
  code: number;
  data?: string;
}

/** Reads an acknowledgement payload; undefined when it is not {code: number, data?: string}. */
export function parseAck(payload: Uint8Array): WsAck | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isJsonObject(value)) return undefined;
  const { code, data } = value;
  if (typeof code !== 'number' || (data !== undefined && typeof data !== 'string')) return undefined;
  return { code, ...(data !== undefined ? { data } : {}) };
}
