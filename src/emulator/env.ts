// Environment → options of the standalone emulator (`npm run emulator`). It reads the same FEISHU_*
// variables as the bot, so one environment serves both processes; unset ones take the defaults below.
import { z } from 'zod';
import { MAX_LATENCY_MS } from './latency.js';
import type { EmulatorOptions } from './types.js';

/**
 * Credentials of the emulated app when none are given. Not secrets: they only open the local emulator.
 * The app ID has Feishu's shape (cli_ + 16 hex digits): the SDK's WSClient will not start with another.
 */
export const EMULATOR_DEFAULTS = {
  appId: 'cli_0123456789abcdef',
  appSecret: 'emulator-app-secret',
  verificationToken: 'emulator-verification-token',
  port: 9000,
  eventUrl: 'http://127.0.0.1:3000/webhook/event',
  cardUrl: 'http://127.0.0.1:3000/webhook/card',
  eventTransport: 'webhook',
} as const;

export type EmulatorEnv = Pick<
  EmulatorOptions,
  'appId' | 'appSecret' | 'verificationToken' | 'encryptKey' | 'port' | 'eventUrl' | 'cardUrl' | 'apiLatency'
> &
  Required<Pick<EmulatorOptions, 'eventTransport'>>;

const port = z.coerce.number().int().min(0).max(65535);
const eventTransport = z.enum(['webhook', 'websocket']);
const latencyMs = z.coerce.number().min(0).max(MAX_LATENCY_MS);

/**
 * FEISHU_APP_ID, FEISHU_APP_SECRET, FEISHU_VERIFICATION_TOKEN, FEISHU_ENCRYPT_KEY (empty = plain pushes),
 * EMULATOR_PORT, EMULATOR_EVENT_URL, EMULATOR_CARD_URL, EMULATOR_EVENT_TRANSPORT (webhook | websocket),
 * EMULATOR_LATENCY_MS and EMULATOR_JITTER_MS (each Open API answer waits latency ± jitter ms; default 0).
 */
export function readEmulatorEnv(env: NodeJS.ProcessEnv = process.env): EmulatorEnv {
  const value = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const parsedPort = port.safeParse(value('EMULATOR_PORT') ?? EMULATOR_DEFAULTS.port);
  if (!parsedPort.success) throw new Error(`EMULATOR_PORT must be a port number (0-65535), got "${env.EMULATOR_PORT}"`);
  const transport = eventTransport.safeParse(value('EMULATOR_EVENT_TRANSPORT') ?? EMULATOR_DEFAULTS.eventTransport);
  if (!transport.success)
    throw new Error(`EMULATOR_EVENT_TRANSPORT must be webhook or websocket, got "${env.EMULATOR_EVENT_TRANSPORT}"`);
  const encryptKey = value('FEISHU_ENCRYPT_KEY');
  const latency = (name: string) => {
    const parsed = latencyMs.safeParse(value(name) ?? 0);
    if (!parsed.success) throw new Error(`${name} must be between 0 and ${MAX_LATENCY_MS} ms, got "${env[name]}"`);
    return parsed.data;
  };
  const fixedMs = latency('EMULATOR_LATENCY_MS');
  const jitterMs = latency('EMULATOR_JITTER_MS');
  return {
    appId: value('FEISHU_APP_ID') ?? EMULATOR_DEFAULTS.appId,
    appSecret: value('FEISHU_APP_SECRET') ?? EMULATOR_DEFAULTS.appSecret,
    verificationToken: value('FEISHU_VERIFICATION_TOKEN') ?? EMULATOR_DEFAULTS.verificationToken,
    ...(encryptKey ? { encryptKey } : {}),
    port: parsedPort.data,
    eventUrl: value('EMULATOR_EVENT_URL') ?? EMULATOR_DEFAULTS.eventUrl,
    cardUrl: value('EMULATOR_CARD_URL') ?? EMULATOR_DEFAULTS.cardUrl,
    eventTransport: transport.data,
    ...(fixedMs > 0 || jitterMs > 0 ? { apiLatency: { fixedMs, jitterMs } } : {}),
  };
}
