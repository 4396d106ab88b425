// Wiring only: read config, build the parts, start, stop.
// With no app credentials, the local Feishu emulator is loaded and started too, and the bot is pointed at it.
import { accessPolicy } from './bot/triage.js';
import { loadConfig, usesEmulator } from './config.js';
import type { Emulator } from './emulator/index.js';
import { ConfigError, StartupError } from './errors.js';
import { createLogger, flushLogs, type Logger } from './log.js';
import { startBot, type RunningBot } from './service.js';

/** After the shutdown deadline, this long to close connections and write the last log lines. */
const EXIT_GRACE_MS = 1_000;

/** A server that could not listen, said in one line naming the variable to change. */
function listenFailure(error: unknown, portVariable: string, hostVariable?: string): unknown {
  const { code, port, address } = error as NodeJS.ErrnoException & { port?: number; address?: string };
  const where = hostVariable ? ` on ${address} (${hostVariable})` : '';
  switch (code) {
    case 'EADDRINUSE':
      return new StartupError(
        `port ${port} (${portVariable}) is already in use${where}: stop what listens there or set ${portVariable} to a free port`,
      );
    case 'EACCES':
      return new StartupError(
        `not allowed to listen on port ${port} (${portVariable})${where}: ports below 1024 need privileges; set ${portVariable} to a higher port`,
      );
    case 'EADDRNOTAVAIL':
      return new StartupError(
        `cannot listen on ${address} (${hostVariable ?? 'host'}): this machine has no such address`,
      );
    default:
      return error;
  }
}

/**
 * Stops once, whatever asks first (a signal, the chat, refused credentials): the bot finishes accepted
 * events within the deadline, the rest closes, the logs are written out, and the process exits. A timer
 * makes sure it exits even if something hangs (a connection that will not close, an unwritable stdout).
 */
function createStop(parts: {
  bot: RunningBot;
  emulator?: Emulator;
  logger: Logger;
  deadlineMs: number;
  stopping: AbortController;
}) {
  const { bot, emulator, logger, deadlineMs, stopping } = parts;
  return (reason: string, exitCode = 0): void => {
    if (stopping.signal.aborted) return;
    stopping.abort();
    logger.info({ reason }, 'stopping');
    setTimeout(() => process.exit(1), deadlineMs + EXIT_GRACE_MS).unref();
    void bot
      .shutdown(deadlineMs)
      .then(async (drained) => {
        await emulator?.close();
        await flushLogs(logger);
        process.exit(drained.finished ? exitCode : 1);
      })
      .catch((error: unknown) => {
        logger.fatal({ err: error }, 'shutdown failed');
        void flushLogs(logger).finally(() => process.exit(1));
      });
  };
}

async function main(): Promise<void> {
  // A closed stdout (its reader gone) must not crash the bot: the logger stops writing there on its own.
  process.stdout.on('error', () => {});
  // Signals are heard from the first moment: one that comes while the bot starts stops it once it runs.
  let stopRequested: string | undefined;
  let stop: (reason: string, exitCode?: number) => void = (reason) => void (stopRequested ??= reason);
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  let config = loadConfig();
  const local = usesEmulator(config);
  const interactive = local && process.stdin.isTTY === true && process.env.CI === undefined;
  // Local mode's wiring is loaded only in local mode: production never loads the emulator.
  const localMode = local ? await import('./local/local-feishu.js') : undefined;
  const { logger, logFile } = localMode
    ? localMode.chooseLogger(config, interactive)
    : { logger: createLogger(config.logLevel), logFile: undefined };
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));

  let emulator: Emulator | undefined;
  if (localMode) {
    ({ emulator, config } = await localMode
      .startLocalFeishu(config, logger)
      .catch((error: unknown) => Promise.reject(listenFailure(error, 'EMULATOR_PORT'))));
  }
  const bot = await startBot(config, logger).catch((error: unknown) =>
    Promise.reject(listenFailure(error, 'PORT', 'HOST')),
  );
  const stopping = new AbortController();
  stop = createStop({ bot, emulator, logger, deadlineMs: config.server.shutdownTimeoutMs, stopping });
  if (stopRequested) return stop(stopRequested);
  if (localMode && emulator) await localMode.announceLocalMode(emulator, bot, logFile);

  // Refused credentials (the first token request), or a long connection Feishu refuses later: stop, exit 1.
  void bot.fatal.then((error) => {
    console.error(`Cannot start: ${error.message}`);
    stop(error.name, 1);
  });

  if (interactive && emulator)
    (await import('./local/chat.js'))
      .startChat(emulator, { limits: config.lookup, access: accessPolicy(config.access) })
      .on('close', () => stop('chat closed'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`Configuration error: ${error.message}`);
  else if (error instanceof StartupError) console.error(`Cannot start: ${error.message}`);
  else console.error(`Failed to start: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
