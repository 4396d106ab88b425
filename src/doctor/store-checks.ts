// The store app's side of `npm run doctor` (FEISHU_APP_TYPE=store): an app_ticket is held where the bot keeps
// it (Redis, or DATA_DIR/app_ticket.json), and Feishu issues the app_access_token for it. Both through the
// same ticket store and token provider the bot uses.
import { resolve } from 'node:path';
import type { AppTicketStore } from '../bot/ports.js';
import type { AppConfig } from '../config.js';
import { FeishuApiError } from '../errors.js';
import { createFeishuClient } from '../feishu/client.js';
import { APP_TICKET_INVALID, createStoreAuth } from '../feishu/store-auth.js';
import type { Logger } from '../log.js';
import { createMemoryStore } from '../state/memory.js';
import { createFileTicketStore, createStateTicketStore } from '../state/ticket-store.js';
import { fail, pass, skip, type CheckResult } from './report.js';

// 通用错误码: 10003 invalid param (an app_id Feishu does not know), 10014 app secret invalid.
const CREDENTIAL_CODES = new Set([10003, 10014]);
const NO_TICKET_HINT =
  'the bot asks Feishu for one at start (auth/v3/app_ticket/resend) and Feishu pushes it to the event request URL: start the bot, check the URL is saved in the console and reachable';

async function withTickets<T>(
  config: AppConfig,
  cwd: string,
  logger: Logger,
  use: (tickets: AppTicketStore) => Promise<T>,
): Promise<T> {
  if (!config.redisUrl) return use(createFileTicketStore(resolve(cwd, config.dataDir)));
  const { createRedisStore } = await import('../state/redis.js');
  const redis = createRedisStore({ url: config.redisUrl, logger, keyPrefix: `roombot:${config.feishu.appId}:` });
  try {
    await redis.waitUntilReady(3_000);
    return await use(createStateTicketStore(redis));
  } finally {
    await redis.close();
  }
}

export async function checkStoreApp(config: AppConfig, cwd: string, logger: Logger): Promise<CheckResult[]> {
  const where = config.redisUrl ? 'Redis' : `${config.dataDir}/app_ticket.json`;
  try {
    return await withTickets(config, cwd, logger, async (tickets) => {
      if ((await tickets.get()) === undefined)
        return [fail('app_ticket', `none held in ${where}: ${NO_TICKET_HINT}`), skip('app token', 'needs a ticket')];
      const client = createFeishuClient({ ...config.feishu, logger });
      const auth = createStoreAuth({
        client,
        credentials: config.feishu,
        tickets,
        shared: createMemoryStore({ maxEntries: 10 }),
        policy: { maxAttempts: config.feishu.maxAttempts, logger },
        logger,
      });
      const held = pass('app_ticket', `held in ${where}`);
      try {
        await auth.appToken();
        return [
          held,
          pass('app token', `Feishu issued an app_access_token to ${config.feishu.appId} for the ticket held`),
        ];
      } catch (error) {
        if (!(error instanceof FeishuApiError)) throw error;
        if (error.code === APP_TICKET_INVALID)
          return [
            held,
            fail('app token', `Feishu refused the ticket held (code 10012, an old one): ${NO_TICKET_HINT}`),
          ];
        if (error.code !== undefined && CREDENTIAL_CODES.has(error.code))
          return [
            held,
            fail(
              'app token',
              `FEISHU_APP_ID / FEISHU_APP_SECRET rejected (code ${error.code}: ${error.feishuMsg ?? ''})`,
            ),
          ];
        return [held, fail('app token', `Feishu did not issue the app_access_token (${error.message})`)];
      }
    });
  } catch (error) {
    return [fail('app_ticket', `cannot read ${where}: ${(error as Error).message}`)];
  }
}
