// Wiring only: read config, build the parts, start, stop.
// With no app credentials, the local Feishu emulator is started too and the bot is pointed at it.
import { randomBytes } from 'node:crypto';
import { mkdirSync, createWriteStream } from 'node:fs';
import { accessPolicy } from './bot/triage.js';
import { startChat } from './local/chat.js';
import { loadConfig, usesEmulator, type AppConfig } from './config.js';
import { startEmulator, type Emulator } from './emulator/index.js';
import { ConfigError } from './errors.js';
import { createLogger, flushLogs, type Logger } from './log.js';
import { startBot, type RunningBot } from './service.js';

/** Local mode: a fresh emulated app on loopback, its credentials handed to the bot. */
async function startLocalFeishu(config: AppConfig, logger: Logger): Promise<{ emulator: Emulator; config: AppConfig }> {
  const app = {
    appId: 'cli_local_room_bot',
    appSecret: randomBytes(16).toString('hex'),
    verificationToken: randomBytes(16).toString('hex'),
    encryptKey: randomBytes(16).toString('hex'),
  };
  const emulator = await startEmulator({ ...app, host: '127.0.0.1', port: config.emulator.port, logger: logger.child({ component: 'emulator' }) });
  const local: AppConfig = {
    ...config,
    feishu: { ...config.feishu, ...app, domain: emulator.url },
    server: { ...config.server, host: '127.0.0.1' },
  };
  return { emulator, config: local };
}

/** In the interactive local chat, logs go to a file so they do not interleave with the conversation. */
function chooseLogger(config: AppConfig, interactive: boolean): { logger: Logger; logFile?: string } {
  if (!interactive || process.env.LOG_LEVEL) return { logger: createLogger(config.logLevel) };
  mkdirSync('.tmp', { recursive: true });
  const logFile = '.tmp/room-bot.log';
  return { logger: createLogger(config.logLevel, createWriteStream(logFile, { flags: 'a' })), logFile };
}

async function main(): Promise<void> {
  let config = loadConfig();
  const local = usesEmulator(config);
  const interactive = local && process.stdin.isTTY === true && process.env.CI === undefined;
  const { logger, logFile } = chooseLogger(config, interactive);

  let emulator: Emulator | undefined;
  if (local) ({ emulator, config } = await startLocalFeishu(config, logger));
  const bot: RunningBot = await startBot(config, logger);

  if (emulator) {
    emulator.setEventTargets(`${bot.url}/webhook/event`, `${bot.url}/webhook/card`);
    const verified = await emulator.verifyUrl('event');
    console.log(
      [
        'No FEISHU_APP_ID/FEISHU_APP_SECRET set: running against the LOCAL Feishu emulator.',
        `  emulator (Open API + event push): ${emulator.url}`,
        `  bot webhook: ${bot.url}/webhook/event (URL verification ${verified.ok ? 'passed' : 'FAILED'}), card callbacks: ${bot.url}/webhook/card`,
        logFile ? `  logs: ${logFile}` : '',
        'Set FEISHU_APP_ID and FEISHU_APP_SECRET (see README) to serve a real tenant.',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'signal received');
    void bot
      .shutdown()
      .then(async (drained) => {
        await emulator?.close();
        await flushLogs(logger);
        process.exit(drained.finished ? 0 : 1);
      })
      .catch((error: unknown) => {
        logger.fatal({ err: error }, 'shutdown failed');
        void flushLogs(logger).finally(() => process.exit(1));
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));

  if (interactive && emulator) startChat(emulator, { access: accessPolicy(config.access) }).on('close', () => stop('chat closed'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`Configuration error: ${error.message}`);
  else console.error(`Failed to start: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
