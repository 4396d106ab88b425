// app.config.json (or the file named by APP_CONFIG) + environment → one validated, typed object.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.js';

const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().nonnegative();
/** An IANA time zone name (e.g. Asia/Shanghai) that Intl knows, in its canonical spelling. */
const timeZoneName = z.string().transform((name, ctx) => {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    ctx.addIssue({ code: 'custom', message: `unknown time zone "${name}": use an IANA name such as Asia/Shanghai` });
    return z.NEVER;
  }
});

/** A JSON boolean in the file; in the environment true/false (also 1/0, yes/no, on/off; any case). */
const flag = z.union([z.boolean(), z.stringbool()]);
/** Feishu chat IDs (oc_…): a JSON array in the file, a comma-separated list in the environment ("" = none). */
const chatIdList = z
  .union([z.array(z.string()), z.string()])
  .transform((value) => (typeof value === 'string' ? value.split(',') : value).map((item) => item.trim()).filter((item) => item !== ''))
  .pipe(z.array(z.string().regex(/^oc_[A-Za-z0-9_-]+$/, 'each chat ID starts with oc_ (the chat_id of im.message.receive_v1)')));

const configSchema = z.object({
  feishu: z.object({
    appId: z.string(),
    appSecret: z.string(),
    verificationToken: z.string(),
    encryptKey: z.string(),
    domain: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')),
    timeoutMs: positiveInt,
    maxAttempts: positiveInt.max(10),
  }),
  server: z.object({
    host: z.string().min(1),
    port: nonNegativeInt.max(65535),
    bodyLimitBytes: positiveInt,
    signatureToleranceSeconds: positiveInt,
    shutdownTimeoutMs: positiveInt,
    headersTimeoutMs: positiveInt,
    requestTimeoutMs: positiveInt,
    maxConnections: positiveInt,
  }),
  queue: z.object({
    concurrency: positiveInt,
    maxPending: positiveInt,
    retryBaseDelayMs: positiveInt,
    retryMaxDelayMs: positiveInt,
    giveUpAfterSeconds: positiveInt,
  }),
  dataDir: z.string().min(1),
  dedupe: z.object({ ttlSeconds: positiveInt, maxEntries: positiveInt }),
  lookup: z.object({
    maxIds: positiveInt.max(1000),
    maxIdLength: positiveInt.max(1000),
    batchSize: positiveInt.max(100),
    cacheTtlSeconds: nonNegativeInt,
  }),
  availability: z.object({ timezone: timeZoneName, cacheTtlSeconds: nonNegativeInt }),
  access: z.object({ allowExternalSenders: flag, allowedChatIds: chatIdList }),
  redisUrl: z.union([z.literal(''), z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')]),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  emulator: z.object({ port: nonNegativeInt.max(65535) }),
});

export type AppConfig = z.infer<typeof configSchema>;

/** Environment variable → dotted config key. Every key is also documented in app.config.json `_env`. */
export const ENV_KEYS: Readonly<Record<string, string>> = {
  FEISHU_APP_ID: 'feishu.appId',
  FEISHU_APP_SECRET: 'feishu.appSecret',
  FEISHU_VERIFICATION_TOKEN: 'feishu.verificationToken',
  FEISHU_ENCRYPT_KEY: 'feishu.encryptKey',
  FEISHU_DOMAIN: 'feishu.domain',
  FEISHU_TIMEOUT_MS: 'feishu.timeoutMs',
  FEISHU_MAX_ATTEMPTS: 'feishu.maxAttempts',
  HOST: 'server.host',
  PORT: 'server.port',
  BODY_LIMIT_BYTES: 'server.bodyLimitBytes',
  SIGNATURE_TOLERANCE_SECONDS: 'server.signatureToleranceSeconds',
  SHUTDOWN_TIMEOUT_MS: 'server.shutdownTimeoutMs',
  HEADERS_TIMEOUT_MS: 'server.headersTimeoutMs',
  REQUEST_TIMEOUT_MS: 'server.requestTimeoutMs',
  MAX_CONNECTIONS: 'server.maxConnections',
  QUEUE_CONCURRENCY: 'queue.concurrency',
  QUEUE_MAX_PENDING: 'queue.maxPending',
  QUEUE_RETRY_BASE_DELAY_MS: 'queue.retryBaseDelayMs',
  QUEUE_RETRY_MAX_DELAY_MS: 'queue.retryMaxDelayMs',
  QUEUE_GIVE_UP_AFTER_SECONDS: 'queue.giveUpAfterSeconds',
  DATA_DIR: 'dataDir',
  DEDUPE_TTL_SECONDS: 'dedupe.ttlSeconds',
  DEDUPE_MAX_ENTRIES: 'dedupe.maxEntries',
  LOOKUP_MAX_IDS: 'lookup.maxIds',
  LOOKUP_MAX_ID_LENGTH: 'lookup.maxIdLength',
  LOOKUP_BATCH_SIZE: 'lookup.batchSize',
  LOOKUP_CACHE_TTL_SECONDS: 'lookup.cacheTtlSeconds',
  ROOM_TIMEZONE: 'availability.timezone',
  AVAILABILITY_CACHE_TTL_SECONDS: 'availability.cacheTtlSeconds',
  ALLOW_EXTERNAL_SENDERS: 'access.allowExternalSenders',
  ALLOWED_CHAT_IDS: 'access.allowedChatIds',
  REDIS_URL: 'redisUrl',
  LOG_LEVEL: 'logLevel',
  EMULATOR_PORT: 'emulator.port',
};

type Json = Record<string, unknown>;

function setPath(target: Json, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const child = node[part];
    node = (typeof child === 'object' && child !== null ? child : (node[part] = {})) as Json;
  }
  node[parts[parts.length - 1]!] = value;
}

function readConfigFile(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message} (check APP_CONFIG)`);
  }
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Reads and validates the configuration once; throws ConfigError naming the bad key and its variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): AppConfig {
  const path = resolve(cwd, env.APP_CONFIG || 'app.config.json');
  const raw = readConfigFile(path);
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined) setPath(raw, key, value);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = issue.path.join('.');
      const envName = Object.entries(ENV_KEYS).find(([, k]) => k === key || key.startsWith(`${k}.`))?.[0]; // a list's item too
      return `${key}${envName ? ` (${envName})` : ''}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration in ${path}: ${problems.join('; ')}`);
  }
  const config = parsed.data;
  const hasId = config.feishu.appId !== '';
  if (hasId !== (config.feishu.appSecret !== '')) {
    throw new ConfigError('set both feishu.appId (FEISHU_APP_ID) and feishu.appSecret (FEISHU_APP_SECRET), or neither to use the local emulator');
  }
  return config;
}

/** No credentials configured: `npm start` runs the bot against the local emulator. */
export function usesEmulator(config: AppConfig): boolean {
  return config.feishu.appId === '';
}
