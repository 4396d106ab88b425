// Starts the webhook app on 127.0.0.1:0 with recording handlers, and builds signed/encrypted pushes
// the way Feishu does (with src/protocol/crypto.ts).
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { computeSignature, encryptPayload } from '../../src/emulator/crypto.js';
import type { CardActionEvent, CardActionResponse, EventEnvelope } from '../../src/protocol/events.js';
import {
  createWebhookApp,
  type EventOutcome,
  type Readiness,
  type WebhookAppOptions,
} from '../../src/transports/webhook/app.js';
import { createDispatch, type DispatchOptions } from '../../src/transports/dispatch.js';
import { captureLogs, type CapturedLogs } from './log-capture.js';

/** The token in the fixtures (Feishu's own doc example). */
export const TOKEN = 'rvaYgkND1GOiu5MM0E1rncYC6PLtF7JV';
/** The app the fixtures' events are addressed to (header.app_id). */
export const FIXTURE_APP_ID = 'cli_9f5343c580712544';
export const ENCRYPT_KEY = 'kudryavka-encrypt-key-for-tests';
/** The injected clock: 2023-11-14T22:13:20Z. */
export const NOW_MS = 1_700_000_000_000;
export const NOW_TS = String(NOW_MS / 1000);
/** The webhook's limits as app.config.json sets them (server.bodyLimitBytes, server.signatureToleranceSeconds). */
export const BODY_LIMIT_BYTES = 1024 * 1024;
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type JsonObject = Record<string, unknown>;

export function fixture(name: string): JsonObject {
  return JSON.parse(readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), 'utf8')) as JsonObject;
}

export interface Harness {
  url: string;
  logs: CapturedLogs;
  events: EventEnvelope[];
  cardActions: EventEnvelope<CardActionEvent>[];
  /** What onEvent answers next. */
  outcome: EventOutcome;
  readiness: Readiness;
  close(): Promise<void>;
}

type CardActionSettings = Pick<DispatchOptions, 'cardActionTimeoutMs'>;

type HarnessOptions = Partial<Omit<WebhookAppOptions, 'logger' | 'dispatch' | 'readiness'>> &
  CardActionSettings & {
    /** Replaces the default answers (harness.outcome / a success toast); calls are still recorded. */
    onEvent?: (envelope: EventEnvelope) => Promise<EventOutcome>;
    onCardAction?: (envelope: EventEnvelope<CardActionEvent>) => Promise<CardActionResponse>;
  };

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const logs = captureLogs();
  const harness: Harness = {
    url: '',
    logs,
    events: [],
    cardActions: [],
    outcome: 'accepted',
    readiness: { ready: true, draining: false },
    close: async () => {},
  };
  const { onEvent, onCardAction, cardActionTimeoutMs, ...appOptions } = options;
  // the app's dispatch, built as service.ts builds it, around handlers that record what reaches them
  const dispatch = createDispatch({
    appId: FIXTURE_APP_ID,
    onEvent: async (envelope) => {
      harness.events.push(envelope);
      return onEvent ? onEvent(envelope) : harness.outcome;
    },
    onCardAction: async (envelope) => {
      harness.cardActions.push(envelope);
      return onCardAction ? onCardAction(envelope) : { toast: { type: 'success', content: 'refreshed' } };
    },
    readiness: () => harness.readiness,
    logger: logs.logger,
    cardActionTimeoutMs,
  });
  const app = createWebhookApp({
    verificationToken: TOKEN,
    encryptKey: ENCRYPT_KEY,
    bodyLimitBytes: BODY_LIMIT_BYTES,
    signatureToleranceSeconds: SIGNATURE_TOLERANCE_SECONDS,
    now: () => NOW_MS,
    ...appOptions,
    logger: logs.logger,
    dispatch,
    readiness: () => harness.readiness,
  });
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  harness.url = `http://127.0.0.1:${port}`;
  harness.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return harness;
}

export interface Push {
  body: string;
  headers: Record<string, string>;
}

/** The body as Feishu sends it with an encrypt key: {"encrypt": base64(iv ‖ AES-256-CBC(json))}. */
export function encryptedBody(payload: JsonObject | string, key = ENCRYPT_KEY): string {
  return JSON.stringify({
    encrypt: encryptPayload(typeof payload === 'string' ? payload : JSON.stringify(payload), key),
  });
}

/** Signature headers over the exact body bytes. */
export function signatureHeaders(
  body: string,
  options: { key?: string; timestamp?: string; nonce?: string } = {},
): Record<string, string> {
  const timestamp = options.timestamp ?? NOW_TS;
  const nonce = options.nonce ?? 'nonce-4f1c';
  return {
    'X-Lark-Request-Timestamp': timestamp,
    'X-Lark-Request-Nonce': nonce,
    'X-Lark-Signature': computeSignature(timestamp, nonce, options.key ?? ENCRYPT_KEY, body),
  };
}

/** An encrypted, signed push, exactly like Feishu's when an encrypt key is configured. */
export function signedEncryptedPush(payload: JsonObject, options: { timestamp?: string; key?: string } = {}): Push {
  const body = encryptedBody(payload, options.key);
  return { body, headers: signatureHeaders(body, options) };
}

export async function post(
  url: string,
  push: Push,
  contentType = 'application/json; charset=utf-8',
): Promise<Response> {
  return fetch(url, { method: 'POST', body: push.body, headers: { 'Content-Type': contentType, ...push.headers } });
}

export function withToken(payload: JsonObject, token: string): JsonObject {
  const copy = structuredClone(payload);
  if (typeof copy.header === 'object' && copy.header !== null) (copy.header as JsonObject).token = token;
  else copy.token = token;
  return copy;
}
