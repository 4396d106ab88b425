// The SDK's HTTP instance as the bot built it before src/feishu/http-instance.ts: axios with keep-alive agents,
// no redirects, and an interceptor that resolves to the body (the SDK's contract). Kept for the bench's
// Feishu-calls phase, which compares the two.
import axios, { type AxiosResponse } from 'axios';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { LeanHttpInstance } from '../../src/feishu/http-instance.js';

export function createAxiosHttpInstance(timeoutMs: number): LeanHttpInstance {
  const instance = axios.create({
    timeout: timeoutMs,
    maxRedirects: 0,
    httpAgent: new HttpAgent({ keepAlive: true, keepAliveMsecs: 60_000 }),
    httpsAgent: new HttpsAgent({ keepAlive: true, keepAliveMsecs: 60_000 }),
  });
  instance.interceptors.response.use((response: AxiosResponse) => response.data as AxiosResponse);
  return instance as unknown as LeanHttpInstance;
}
