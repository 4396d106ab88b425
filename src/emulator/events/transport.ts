// How a push travels: JSON, encrypted into {"encrypt": …} and signed with X-Lark-* headers when an Encrypt
// Key is set (步骤三：接收事件), plain and unsigned otherwise; POSTed over loopback HTTP with a deadline.
import { request } from 'node:http';
import { SIGNATURE_HEADERS } from '../../protocol/crypto.js';
import { computeSignature, encryptPayload } from '../crypto.js';
import { newNonce } from '../ids.js';

export interface EncodedPush {
  /** Exact body bytes sent (UTF-8 text). */
  body: string;
  headers: Record<string, string>;
}

export interface EncodeOptions {
  encryptKey?: string;
  /** Add X-Lark-Request-Timestamp/-Nonce/-Signature (events and callbacks; never the url challenge). */
  sign: boolean;
  /** X-Lark-Request-Timestamp, unix seconds. */
  timestampSeconds: number;
}

export function encodePush(payload: unknown, options: EncodeOptions): EncodedPush {
  const plain = JSON.stringify(payload);
  if (!options.encryptKey) return { body: plain, headers: {} };
  const body = JSON.stringify({ encrypt: encryptPayload(plain, options.encryptKey) });
  if (!options.sign) return { body, headers: {} };
  const timestamp = String(options.timestampSeconds);
  const nonce = newNonce();
  return {
    body,
    headers: {
      [SIGNATURE_HEADERS.timestamp]: timestamp,
      [SIGNATURE_HEADERS.nonce]: nonce,
      [SIGNATURE_HEADERS.signature]: computeSignature(timestamp, nonce, options.encryptKey, body),
    },
  };
}

export interface WebhookResponse {
  /** HTTP status; absent when no response came (timeout, refused connection, cancelled). */
  status?: number;
  body: string;
  durationMs: number;
  /** 'timeout', 'cancelled', or the network error's message. */
  error?: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Push targets must be http:// on a loopback address: the emulator never sends traffic elsewhere. */
export function assertLoopbackUrl(url: string): URL {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' || !(LOOPBACK_HOSTS.has(parsed.hostname) || parsed.hostname.startsWith('127.'))) {
    throw new Error(`push target ${url} must be an http:// URL on a loopback address (127.0.0.1, localhost, ::1)`);
  }
  return parsed;
}

/** POSTs `push` to `url`; resolves (never rejects) with what happened within `timeoutMs`. */
export function postWebhook(
  url: string,
  push: EncodedPush,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<WebhookResponse> {
  const target = assertLoopbackUrl(url);
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<WebhookResponse, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve({ ...result, durationMs: Math.round(performance.now() - started) });
    };
    const req = request(target, {
      method: 'POST',
      agent: false, // one connection per push, nothing left open after close()
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(push.body),
        'user-agent': 'feishu-emulator',
        ...push.headers,
      },
    });
    const timer = setTimeout(() => {
      finish({ body: '', error: 'timeout' });
      req.destroy();
    }, timeoutMs);
    const onAbort = () => {
      finish({ body: '', error: 'cancelled' });
      req.destroy();
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => finish({ body: '', error: err.message }));
    });
    req.on('error', (err) => finish({ body: '', error: err.message }));
    req.end(push.body);
  });
}
