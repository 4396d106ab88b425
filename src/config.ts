// app.config.json, with the file named by APP_CONFIG laid over it, + environment → one validated, typed object.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { isJsonObject } from './json.js';

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
  .transform((value) =>
    (typeof value === 'string' ? value.split(',') : value).map((item) => item.trim()).filter((item) => item !== ''),
  )
  .pipe(
    z.array(
      z.string().regex(/^oc_[A-Za-z0-9_-]+$/, 'each chat ID starts with oc_ (the chat_id of im.message.receive_v1)'),
    ),
  );

const configSchema = z.object({
  feishu: z.object({
    appId: z.string(),
    appSecret: z.string(),
    verificationToken: z.string(),
    encryptKey: z.string(),
    domain: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')),
    timeoutMs: positiveInt,
    maxAttempts: positiveInt.max(10),
    eventMode: z.enum(['webhook', 'websocket']),
    appType: z.enum(['self_built', 'store']),
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
    redisLockMs: positiveInt,
    redisStalledCheckMs: positiveInt,
  }),
  tenant: z.object({ maxConcurrent: positiveInt }),
  dataDir: z.string().min(1),
  dedupe: z.object({ ttlSeconds: positiveInt, maxEntries: positiveInt }),
  lookup: z.object({
    maxIds: positiveInt.max(1000),
    maxIdLength: positiveInt.max(1000),
    batchSize: positiveInt.max(100),
    cacheTtlSeconds: nonNegativeInt,
  }),
  availability: z.object({ timezone: timeZoneName, cacheTtlSeconds: nonNegativeInt }),
  directory: z.object({
    refreshSeconds: positiveInt,
    maxCallsPerSecond: positiveInt,
    waitMs: nonNegativeInt,
    pollMs: positiveInt,
  }),
  free: z.object({ minMinutes: positiveInt.max(24 * 60), maxCandidates: positiveInt.max(200) }),
  access: z.object({ allowExternalSenders: flag, allowedChatIds: chatIdList }),
  booking: z.object({ enabled: flag, maxMinutes: positiveInt.min(10).max(1440) }),
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
  FEISHU_EVENT_MODE: 'feishu.eventMode',
  FEISHU_APP_TYPE: 'feishu.appType',
  TENANT_MAX_CONCURRENT: 'tenant.maxConcurrent',
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
  QUEUE_REDIS_LOCK_MS: 'queue.redisLockMs',
  QUEUE_REDIS_STALLED_CHECK_MS: 'queue.redisStalledCheckMs',
  DATA_DIR: 'dataDir',
  DEDUPE_TTL_SECONDS: 'dedupe.ttlSeconds',
  DEDUPE_MAX_ENTRIES: 'dedupe.maxEntries',
  LOOKUP_MAX_IDS: 'lookup.maxIds',
  LOOKUP_MAX_ID_LENGTH: 'lookup.maxIdLength',
  LOOKUP_BATCH_SIZE: 'lookup.batchSize',
  LOOKUP_CACHE_TTL_SECONDS: 'lookup.cacheTtlSeconds',
  ROOM_TIMEZONE: 'availability.timezone',
  AVAILABILITY_CACHE_TTL_SECONDS: 'availability.cacheTtlSeconds',
  DIRECTORY_REFRESH_SECONDS: 'directory.refreshSeconds',
  DIRECTORY_MAX_CALLS_PER_SECOND: 'directory.maxCallsPerSecond',
  DIRECTORY_WAIT_MS: 'directory.waitMs',
  DIRECTORY_POLL_MS: 'directory.pollMs',
  FREE_MIN_MINUTES: 'free.minMinutes',
  FREE_MAX_CANDIDATES: 'free.maxCandidates',
  ALLOW_EXTERNAL_SENDERS: 'access.allowExternalSenders',
  ALLOWED_CHAT_IDS: 'access.allowedChatIds',
  BOOKING_ENABLED: 'booking.enabled',
  BOOKING_MAX_MINUTES: 'booking.maxMinutes',
  REDIS_URL: 'redisUrl',
  LOG_LEVEL: 'logLevel',
  EMULATOR_PORT: 'emulator.port',
};

/** What Feishu's app IDs look like (and all the SDK's WSClient accepts). */
export const FEISHU_APP_ID = /^cli_[0-9a-f]{16}$/i;

/** Keys whose values no error message shows. */
const SECRET_KEYS: ReadonlySet<string> = new Set(['feishu.appSecret', 'feishu.verificationToken', 'feishu.encryptKey']);

/** The committed defaults, found beside src/ and dist/ whatever the working directory. */
const DEFAULTS_FILE = fileURLToPath(new URL('../app.config.json', import.meta.url));

type Json = Record<string, unknown>;
type Issue = z.ZodError['issues'][number];

/** Where a value came from, for error messages: an environment variable (and its text) or a file. */
type Source = { env: string; text: string } | { file: string };

function getPath(source: Json, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((node, part) => (isJsonObject(node) ? node[part] : undefined), source);
}

function setPath(target: Json, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const child = node[part];
    node = (isJsonObject(child) ? child : (node[part] = {})) as Json;
  }
  node[parts[parts.length - 1]!] = value;
}

/** `namedBy`: the variable that named the file, if one did. */
function readConfigFile(path: string, namedBy?: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `cannot read config file ${path}: ${(err as Error).message}${namedBy ? ` (check ${namedBy})` : ''}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isJsonObject(parsed)) throw new ConfigError(`config file ${path} must hold a JSON object`);
  return parsed;
}

/** `overlay` on top of `base`: objects merge key by key; arrays and other values replace. */
function overlay(base: Json, top: Json): Json {
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(top)) {
    const below = merged[key];
    merged[key] = isJsonObject(below) && isJsonObject(value) ? overlay(below, value) : value;
  }
  return merged;
}

/** Every dotted key of the schema (sections and values), e.g. "server" and "server.port". */
function schemaKeys(schema: z.ZodObject, prefix = ''): string[] {
  return Object.entries(schema.shape).flatMap(([name, child]) => {
    const key = prefix + name;
    return child instanceof z.ZodObject ? [key, ...schemaKeys(child, `${key}.`)] : [key];
  });
}

const KNOWN_KEYS = schemaKeys(configSchema);

/** Keys in a config file the schema does not know; keys starting with "_" are comments (_doc, _env). */
function unknownKeys(json: Json, schema: z.ZodObject, prefix = ''): string[] {
  return Object.entries(json).flatMap(([name, value]) => {
    if (name.startsWith('_')) return [];
    const child = schema.shape[name];
    if (child === undefined) return [prefix + name];
    return child instanceof z.ZodObject && isJsonObject(value) ? unknownKeys(value, child, `${prefix}${name}.`) : [];
  });
}

/** Levenshtein distance, case-insensitive: how far a misspelt key is from a known one. */
function editDistance(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= y.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length]!;
}

/** The known key closest to a misspelt one, when it is close enough to be what was meant. */
export function closestKey(key: string, known: readonly string[] = KNOWN_KEYS): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key, candidate);
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.key : undefined;
}

function refuseUnknownKeys(json: Json, file: string): void {
  const unknown = unknownKeys(json, configSchema);
  if (unknown.length === 0) return;
  const described = unknown.map((key) => {
    const suggestion = closestKey(key);
    return `"${key}"${suggestion ? ` (did you mean ${suggestion}?)` : ''}`;
  });
  throw new ConfigError(`unknown key${unknown.length > 1 ? 's' : ''} ${described.join(', ')} in ${file}`);
}

/** A value as an error message may show it: never a secret, and a Redis URL without its password. */
function shownValue(key: string, value: unknown): string {
  if (SECRET_KEYS.has(key)) return '(hidden)';
  if (typeof value !== 'string') return JSON.stringify(value) ?? String(value);
  const text = key === 'redisUrl' ? value.replace(/\/\/[^@/]*@/, '//***@') : value;
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

function describeIssue(issue: Issue): string {
  if (issue.code === 'invalid_type' && issue.expected === 'number') return 'must be a number';
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'must be a whole number';
  return issue.message;
}

/** One problem, named by where its value came from: `PORT="abc" (server.port): must be a number`. */
function describeProblem(issue: Issue, raw: Json, sources: ReadonlyMap<string, Source>): string {
  const key = issue.path.join('.');
  const source = sourceOf(issue.path, sources);
  const problem = describeIssue(issue);
  if (source && 'env' in source) return `${source.env}=${shownValue(key, source.text)} (${key}): ${problem}`;
  const value = getPath(raw, key);
  const where = source ? ` in ${source.file}` : '';
  return value === undefined ? `${key}${where}: ${problem}` : `${key} = ${shownValue(key, value)}${where}: ${problem}`;
}

/** Where the value at `path` came from: its own source, or its nearest container's (an item of a list). */
function sourceOf(path: readonly PropertyKey[], sources: ReadonlyMap<string, Source>): Source | undefined {
  for (let length = path.length; length > 0; length -= 1) {
    const source = sources.get(path.slice(0, length).map(String).join('.'));
    if (source) return source;
  }
  return undefined;
}

/** Records which file each value comes from (leaves and whole sections alike). */
function recordSources(json: Json, file: string, sources: Map<string, Source>, prefix = ''): void {
  for (const [name, value] of Object.entries(json)) {
    sources.set(prefix + name, { file });
    if (isJsonObject(value)) recordSources(value, file, sources, `${prefix}${name}.`);
  }
}

/**
 * Reads and validates the configuration once: app.config.json, then the file named by APP_CONFIG laid
 * over it, then the environment. Throws ConfigError naming each bad key by where its value came from.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): AppConfig {
  const sources = new Map<string, Source>();
  const defaults = readConfigFile(DEFAULTS_FILE);
  refuseUnknownKeys(defaults, DEFAULTS_FILE);
  recordSources(defaults, DEFAULTS_FILE, sources);
  let raw = defaults;
  if (env.APP_CONFIG) {
    const file = resolve(cwd, env.APP_CONFIG);
    const custom = readConfigFile(file, 'APP_CONFIG');
    refuseUnknownKeys(custom, file);
    recordSources(custom, file, sources);
    raw = overlay(defaults, custom);
  }
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const text = env[name];
    if (text === undefined) continue;
    // A blank variable where a number belongs (PORT= in an env file) is a mistake, not 0 as Number("") has it.
    setPath(raw, key, typeof getPath(raw, key) === 'number' && text.trim() === '' ? Number.NaN : text);
    sources.set(key, { env: name, text });
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => describeProblem(issue, raw, sources));
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const config = parsed.data;
  const hasId = config.feishu.appId !== '';
  if (hasId !== (config.feishu.appSecret !== '')) {
    throw new ConfigError(
      'set both feishu.appId (FEISHU_APP_ID) and feishu.appSecret (FEISHU_APP_SECRET), or neither to use the local emulator',
    );
  }
  if (config.feishu.appType === 'store' && config.feishu.eventMode === 'websocket') {
    // 长连接 (the long connection) is for self-built apps only: Feishu never opens one for a store app.
    throw new ConfigError(
      'FEISHU_APP_TYPE=store cannot use FEISHU_EVENT_MODE=websocket: the long connection is for self-built apps only; a store app receives events over the webhook',
    );
  }
  if (hasId && config.feishu.eventMode === 'websocket' && !FEISHU_APP_ID.test(config.feishu.appId)) {
    // The SDK's WSClient.start() logs one line and does nothing for any other app ID: fail loudly instead.
    throw new ConfigError(
      `feishu.appId (FEISHU_APP_ID) must be cli_ followed by 16 hex digits, as the console shows it, for FEISHU_EVENT_MODE=websocket; got "${config.feishu.appId}"`,
    );
  }
  return config;
}

/** No credentials configured: `npm start` runs the bot against the local emulator. */
export function usesEmulator(config: AppConfig): boolean {
  return config.feishu.appId === '';
}
