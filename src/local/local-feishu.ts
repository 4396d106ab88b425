// Local mode's wiring: with no app credentials, main.ts imports this module (dynamically, so production
// never loads it nor the emulator) to start a local Feishu, point the bot at it and say so.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import type { AppConfig } from '../config.js';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { createLogger, type Logger } from '../log.js';
import type { RunningBot } from '../service.js';

/** A fresh emulated app on loopback, its credentials handed to the bot. */
export async function startLocalFeishu(
  config: AppConfig,
  logger: Logger,
): Promise<{ emulator: Emulator; config: AppConfig }> {
  const app = {
    appId: `cli_${randomBytes(8).toString('hex')}`, // Feishu's shape: the SDK's WSClient accepts no other
    appSecret: randomBytes(16).toString('hex'),
    verificationToken: randomBytes(16).toString('hex'),
    encryptKey: randomBytes(16).toString('hex'),
  };
  const emulator = await startEmulator({
    ...app,
    host: '127.0.0.1',
    port: config.emulator.port,
    eventTransport: config.feishu.eventMode,
    // a store app: two tenants, the same custom IDs meaning other rooms in each (:tenant in the chat)
    ...(config.feishu.appType === 'store' ? { store: {} } : {}),
    logger: logger.child({ component: 'emulator' }),
  });
  const local: AppConfig = {
    ...config,
    feishu: { ...config.feishu, ...app, domain: emulator.url },
    server: { ...config.server, host: '127.0.0.1' },
  };
  return { emulator, config: local };
}

/** In the interactive local chat, logs go to a file so they do not interleave with the conversation. */
export function chooseLogger(config: AppConfig, interactive: boolean): { logger: Logger; logFile?: string } {
  if (!interactive || process.env.LOG_LEVEL) return { logger: createLogger(config.logLevel) };
  mkdirSync('.tmp', { recursive: true });
  const logFile = '.tmp/room-bot.log';
  return { logger: createLogger(config.logLevel, createWriteStream(logFile, { flags: 'a' })), logFile };
}

export async function announceLocalMode(
  emulator: Emulator,
  bot: RunningBot,
  logFile: string | undefined,
): Promise<void> {
  let events = `  events over the long connection the bot opened (FEISHU_EVENT_MODE=websocket); health: ${bot.url}/readyz`;
  if (bot.eventMode === 'webhook') {
    emulator.setEventTargets(`${bot.url}/webhook/event`, `${bot.url}/webhook/card`);
    const verified = await emulator.verifyUrl('event');
    // a store app waits for its app_ticket: push one now the bot's URL is known
    if (emulator.store) await emulator.store.pushAppTicket();
    events = `  bot webhook: ${bot.url}/webhook/event (URL verification ${verified.ok ? 'passed' : 'FAILED'}), card callbacks: ${bot.url}/webhook/card`;
  }
  console.log(
    [
      'No FEISHU_APP_ID/FEISHU_APP_SECRET set: running against the LOCAL Feishu emulator.',
      `  emulator (Open API + event push): ${emulator.url}`,
      events,
      logFile ? `  logs: ${logFile}` : '',
      'Set FEISHU_APP_ID and FEISHU_APP_SECRET (see README) to serve a real tenant.',
    ]
      .filter(Boolean)
      .join('\n'),
  );
}
