// The bot's own identity: GET /open-apis/bot/v3/info (获取机器人信息) through the SDK client, with a tenant token.
//   answer: { code, msg, bot: { activate_status, app_name, avatar_url, ip_white_list, open_id } } — `bot` at the
//   top level, not under `data` (the SDK's own LarkChannel reads it the same way).
// Read once per process and kept: an app's open_id in its tenant does not change. Never blocks the start: until
// it is known, group messages are answered only when they start with /room (as before the bot knew itself);
// a failure is logged once and the call retried in the background with a growing pause.
import { backoffDelay } from '../backoff.js';
import type * as lark from '@larksuiteoapi/node-sdk';
import { withTenantToken } from './client.js';
import type { BotIdentity } from '../bot/triage.js';
import { FeishuApiError } from '../errors.js';
import type { Logger } from '../log.js';
import { callWithRetry, type CallPolicy, type TokenSource } from './call-with-retry.js';

export const BOT_INFO_PATH = '/open-apis/bot/v3/info';

export interface BotIdentitySource {
  /** The identity once bot/v3/info has answered; undefined before. */
  current(): BotIdentity | undefined;
  /** Resolves when the identity is known (for tests and tools; the bot itself never waits for it). */
  known(): Promise<BotIdentity>;
  /** Calls to bot/v3/info made so far (each attempt counts). */
  readonly fetchCount: number;
  /** Stops the background retries. */
  stop(): void;
}

export interface BotIdentityOptions {
  client: lark.Client;
  tokens: TokenSource;
  policy: CallPolicy;
  logger: Logger;
  /** Pause before the first background retry, doubled after each failure up to maxDelayMs, ±20 % jitter. */
  retry: { baseDelayMs: number; maxDelayMs: number };
  random?: () => number;
}

interface BotInfoBody {
  code?: number;
  bot?: { open_id?: unknown; app_name?: unknown };
}

/** Starts reading the identity now, in the background; never throws. */
export function startBotIdentity(options: BotIdentityOptions): BotIdentitySource {
  const { client, tokens, policy, logger, retry, random = Math.random } = options;
  const backoff = { baseMs: retry.baseDelayMs, maxMs: retry.maxDelayMs, jitter: [0.8, 1.2] as const };
  let identity: BotIdentity | undefined;
  let fetchCount = 0;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let resolveKnown: (identity: BotIdentity) => void = () => undefined;
  const known = new Promise<BotIdentity>((resolve) => (resolveKnown = resolve));

  async function fetchIdentity(): Promise<BotIdentity> {
    const body = await callWithRetry<BotInfoBody>(
      'bot.info',
      policy,
      (token) => {
        fetchCount += 1;
        return client.request<BotInfoBody>({ method: 'GET', url: BOT_INFO_PATH }, withTenantToken(token));
      },
      tokens,
    );
    const openId = body.bot?.open_id;
    if (typeof openId !== 'string' || openId === '')
      throw new Error('bot/v3/info answered without bot.open_id (is the Bot capability enabled?)');
    const name = body.bot?.app_name;
    return { openId, name: typeof name === 'string' ? name : '' };
  }

  function attempt(): void {
    timer = undefined;
    fetchIdentity().then(
      (found) => {
        identity = found;
        logger.info(
          { bot_open_id: found.openId, bot_name: found.name, attempts: failures + 1 },
          'bot identity known: group messages that @mention the bot are answered',
        );
        resolveKnown(found);
      },
      (error: unknown) => {
        failures += 1;
        const delayMs = backoffDelay(failures, backoff, random);
        const fields = { ...(error instanceof FeishuApiError ? error.toLog() : { err: error }), retry_in_ms: delayMs };
        // Once at warn: the bot works without it (only /room in groups); later failures would repeat the same line.
        if (failures === 1)
          logger.warn(
            fields,
            'bot identity unknown (bot/v3/info failed): in groups only /room commands are answered until it is known; retrying in the background',
          );
        else logger.debug(fields, 'bot/v3/info failed again');
        if (stopped) return;
        timer = setTimeout(attempt, delayMs);
        timer.unref();
      },
    );
  }

  attempt();
  return {
    current: () => identity,
    known: () => known,
    get fetchCount() {
      return fetchCount;
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
