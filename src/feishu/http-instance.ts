// The SDK's HTTP instance: what client.request and every typed method call to reach Feishu. The SDK's contract
// (its HttpInstance type) is axios's request(config) resolving to the response body; ours keeps that contract
// with Node's http/https and keep-alive agents, and no more: axios spent ~0.5 ms of CPU per call merging
// configs, normalising headers and reading proxy variables (bench/README.md, the end-to-end profile).
// What it supports is what the SDK sends: absolute URLs, params with the SDK's or our serializer, a JSON body,
// JSON answers. Failures are AxiosErrors as axios makes them (status ≥ 300: `response` with status, data and
// headers; a timeout: ECONNABORTED; a network failure: its code), so call-with-retry.ts reads them unchanged.
import { AxiosError } from 'axios';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** What the SDK passes (its HttpRequestOptions), as far as Feishu's JSON APIs use it. */
export interface HttpRequestConfig {
  url?: string;
  method?: string;
  headers?: Record<string, unknown>;
  params?: Record<string, unknown>;
  data?: unknown;
  paramsSerializer?: ((params: Record<string, unknown>) => string) | { serialize?: (params: never) => string };
  timeout?: number;
}

export interface LeanHttpInstance {
  request<R = unknown>(config: HttpRequestConfig): Promise<R>;
  get<R = unknown>(url: string, config?: HttpRequestConfig): Promise<R>;
  delete<R = unknown>(url: string, config?: HttpRequestConfig): Promise<R>;
  post<R = unknown>(url: string, data?: unknown, config?: HttpRequestConfig): Promise<R>;
  put<R = unknown>(url: string, data?: unknown, config?: HttpRequestConfig): Promise<R>;
  patch<R = unknown>(url: string, data?: unknown, config?: HttpRequestConfig): Promise<R>;
}

export interface LeanHttpOptions {
  /** Per-call timeout, from the request being sent to the whole answer read, ms. */
  timeoutMs: number;
  /** Largest answer read, bytes; a larger one fails the call (Open API answers are a few KB). */
  maxResponseBytes?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/** Query string of `params` as the config asks (the SDK's qs function, or our { serialize }), else key=value&…. */
function queryOf(config: HttpRequestConfig): string {
  const params = config.params;
  if (!params || Object.keys(params).length === 0) return '';
  const serializer = config.paramsSerializer;
  if (typeof serializer === 'function') return serializer(params);
  if (serializer?.serialize) return (serializer.serialize as (p: Record<string, unknown>) => string)(params);
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) query.append(key, String(item));
  }
  return query.toString();
}

function urlOf(config: HttpRequestConfig): URL {
  if (!config.url) throw new AxiosError('request without a url', AxiosError.ERR_BAD_OPTION);
  const url = new URL(config.url);
  const query = queryOf(config);
  if (query) url.search = url.search ? `${url.search}&${query}` : `?${query}`;
  return url;
}

/** The body to send and its content type: JSON for objects, as axios does; strings and buffers as they are. */
function bodyOf(data: unknown): { body?: string | Buffer; contentType?: string } {
  if (data === undefined || data === null) return {};
  if (typeof data === 'string') return { body: data, contentType: 'application/x-www-form-urlencoded' };
  if (Buffer.isBuffer(data)) return { body: data };
  return { body: JSON.stringify(data), contentType: 'application/json' };
}

function headersOf(config: HttpRequestConfig, body: ReturnType<typeof bodyOf>): Record<string, string> {
  const headers: Record<string, string> = { Accept: 'application/json, text/plain, */*' };
  const given = new Set<string>();
  for (const [name, value] of Object.entries(config.headers ?? {})) {
    if (value === undefined || value === null) continue;
    headers[name] = String(value);
    given.add(name.toLowerCase());
  }
  if (body.body !== undefined) {
    if (body.contentType && !given.has('content-type')) headers['Content-Type'] = body.contentType;
    headers['Content-Length'] = String(Buffer.byteLength(body.body));
  }
  return headers;
}

/** The answer's body: parsed JSON when it is JSON (as axios's default), else the text. */
function parse(raw: Buffer): unknown {
  const text = raw.toString('utf8');
  if (text === '') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function createLeanHttpInstance(options: LeanHttpOptions): LeanHttpInstance {
  // Keep-alive: every lookup and reply would otherwise open (and TLS-handshake) a new connection.
  const httpAgent = new HttpAgent({ keepAlive: true, keepAliveMsecs: 60_000 });
  const httpsAgent = new HttpsAgent({ keepAlive: true, keepAliveMsecs: 60_000 });
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  function request<R>(config: HttpRequestConfig, retriedStaleSocket = false): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let url: URL;
      try {
        url = urlOf(config);
      } catch (error) {
        reject(error instanceof AxiosError ? error : AxiosError.from(error, AxiosError.ERR_BAD_OPTION));
        return;
      }
      const method = (config.method ?? 'GET').toUpperCase();
      const body = bodyOf(config.data);
      const secure = url.protocol === 'https:';
      const timeoutMs = config.timeout ?? options.timeoutMs;
      const fail = (message: string, code: string | undefined, response?: AxiosError['response']) =>
        reject(new AxiosError(message, code, undefined, undefined, response));

      const outgoing = (secure ? httpsRequest : httpRequest)(
        url,
        { method, headers: headersOf(config, body), agent: secure ? httpsAgent : httpAgent },
        (incoming: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          incoming.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              outgoing.destroy();
              fail(`maxContentLength size of ${maxBytes} exceeded`, AxiosError.ERR_BAD_RESPONSE);
              return;
            }
            chunks.push(chunk);
          });
          incoming.on('error', (error: NodeJS.ErrnoException) => fail(error.message, error.code));
          incoming.on('end', () => {
            clearTimeout(timer);
            const status = incoming.statusCode ?? 0;
            const data = parse(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
            if (status >= 200 && status < 300) {
              resolve(data as R);
              return;
            }
            const response = {
              status,
              statusText: incoming.statusMessage ?? '',
              headers: incoming.headers as IncomingHttpHeaders & Record<string, string>,
              data,
              config: {},
            } as unknown as AxiosError['response'];
            const code = status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST;
            fail(`Request failed with status code ${status}`, code, response);
          });
        },
      );
      // one timer for the whole call, as axios's `timeout`: connect, send, and the answer read to its end
      const timer = setTimeout(() => {
        outgoing.destroy();
        fail(`timeout of ${timeoutMs}ms exceeded`, AxiosError.ECONNABORTED);
      }, timeoutMs);
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        // A kept-alive socket the server closed just as it was reused: the request never arrived; ask again
        // once on a fresh one (Node's docs: request.reusedSocket). Feishu's POSTs are idempotent (reply uuid).
        if (!retriedStaleSocket && outgoing.reusedSocket && error.code === 'ECONNRESET') {
          request<R>(config, true).then(resolve, reject);
          return;
        }
        fail(error.message, error.code);
      });
      outgoing.end(body.body);
    });
  }

  const withUrl =
    (method: string) =>
    (url: string, config: HttpRequestConfig = {}) =>
      request({ ...config, method, url });
  const withData =
    (method: string) =>
    (url: string, data?: unknown, config: HttpRequestConfig = {}) =>
      request({ ...config, method, url, data });
  return {
    request: (config: HttpRequestConfig) => request(config),
    get: withUrl('GET'),
    delete: withUrl('DELETE'),
    post: withData('POST'),
    put: withData('PUT'),
    patch: withData('PATCH'),
  } as LeanHttpInstance;
}
