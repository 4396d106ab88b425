// Bot + local Feishu emulator, wired over real HTTP on loopback, for end-to-end tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type AppConfig } from '../../src/config.js';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { startBot, type RunningBot } from '../../src/service.js';
import { captureLogs, type CapturedLogs } from './log-capture.js';

export const APP = {
  appId: 'cli_e2e0000000000001', // Feishu's shape (cli_ + 16 hex): the SDK's WSClient refuses any other
  appSecret: 'e2e-secret-not-real',
  verificationToken: 'e2e-verification-token',
  encryptKey: 'e2e-encrypt-key',
} as const;

/** Room IDs of the emulator's seed (src/emulator/rooms.seed.json), as the doc's example gives them. */
export const SEED_ROOM_IDS = {
  test01: 'omm_eada1d61a550955240c28757e7dec3af',
  test02: 'omm_83d09ad4f6896e02029a6a075f71c9d1',
} as const;

export interface Stack {
  emulator: Emulator;
  bot: RunningBot;
  config: AppConfig;
  logs: CapturedLogs;
  /** Starts another bot process-equivalent against the same emulator (for multi-replica tests). */
  addReplica(env?: Record<string, string>): Promise<RunningBot>;
  close(): Promise<void>;
}

export interface StackOptions {
  emulator?: Partial<EmulatorOptions>;
  /** Extra environment for the bot's config (e.g. REDIS_URL, QUEUE_MAX_PENDING). */
  env?: Record<string, string>;
  encrypted?: boolean;
  /** How events reach the bot: 'webhook' (default) or 'websocket' (the long connection, through the SDK's WSClient). */
  eventMode?: 'webhook' | 'websocket';
  /** The card-callback deadline (Feishu's 3 s, less the way back, otherwise): shortened to test a slow click quickly. */
  cardActionTimeoutMs?: number;
}

/** The config of a bot serving APP against the emulator at `emulatorUrl`, on a free port with a journal of its own. */
export function stackConfig(emulatorUrl: string, env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    FEISHU_APP_ID: APP.appId,
    FEISHU_APP_SECRET: APP.appSecret,
    FEISHU_VERIFICATION_TOKEN: APP.verificationToken,
    FEISHU_ENCRYPT_KEY: APP.encryptKey,
    FEISHU_DOMAIN: emulatorUrl,
    HOST: '127.0.0.1',
    PORT: '0',
    FEISHU_TIMEOUT_MS: '2000',
    // each replica its own journal (a test may pass DATA_DIR to restart one on the same journal)
    DATA_DIR: mkdtempSync(join(tmpdir(), 'roombot-data-')),
    ...env,
  });
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const encrypted = options.encrypted ?? true;
  const eventMode = options.eventMode ?? 'webhook';
  const logs = captureLogs();
  const emulator = await startEmulator({
    ...APP,
    encryptKey: encrypted ? APP.encryptKey : undefined,
    eventTransport: eventMode,
    ackTimeoutMs: 3000,
    retryDelaysMs: [200, 400],
    ...options.emulator,
  });
  const bots: RunningBot[] = [];
  const configs: AppConfig[] = [];
  async function addReplica(env: Record<string, string> = {}): Promise<RunningBot> {
    const replicaConfig = stackConfig(emulator.url, {
      FEISHU_ENCRYPT_KEY: encrypted ? APP.encryptKey : '',
      FEISHU_EVENT_MODE: eventMode,
      ...options.env,
      ...env,
    });
    const bot = await startBot(replicaConfig, logs.logger, { cardActionTimeoutMs: options.cardActionTimeoutMs });
    await bot.tokenIssued; // ready, as a load balancer would wait for /readyz
    bots.push(bot);
    configs.push(replicaConfig);
    return bot;
  }
  const bot = await addReplica();
  emulator.setEventTargets(`${bot.url}/webhook/event`, `${bot.url}/webhook/card`);
  return {
    emulator,
    bot,
    config: configs[0]!,
    logs,
    addReplica,
    async close() {
      await Promise.all(bots.map((b) => b.shutdown(5_000)));
      await emulator.close();
    },
  };
}

/**
 * Resolves once the bot knows its own open_id: it reads it in the background at start (bot/v3/info), and until
 * then group messages that @mention it are not recognised as addressed.
 */
export async function waitForBotIdentity(bot: RunningBot, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await bot.stats()).botIdentityKnown) {
    if (Date.now() > deadline) throw new Error(`the bot did not learn its identity within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
