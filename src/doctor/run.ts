// The checks of `npm run doctor`: the configuration first (everything else needs it), then the Feishu
// checks (the scope probe only once Feishu accepts the credentials) side by side with the storage checks.
import { resolve } from 'node:path';
import { loadConfig, usesEmulator, type AppConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { fail, pass, skip, type CheckResult } from './report.js';

export interface DoctorOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Where the SDK's and the calls' log lines go; default silent (the report is the output). */
  logger?: Logger;
}

function configSummary(config: AppConfig): string {
  const feishu = usesEmulator(config) ? 'local emulator' : `${config.feishu.appId} at ${config.feishu.domain}`;
  const store = config.redisUrl ? 'Redis' : `journal in ${config.dataDir}`;
  return `valid: listens on ${config.server.host}:${config.server.port}, Feishu ${feishu}, intake ${store}`;
}

/** Local mode: nothing to check against Feishu. */
function localModeResults(): CheckResult[] {
  return [
    skip(
      'credentials',
      'none set: local mode (npm start runs its own Feishu emulator); set FEISHU_APP_ID and FEISHU_APP_SECRET to check a real app',
    ),
    skip('room scope', 'local mode: not checked'),
    skip('directory scope', 'local mode: not checked'),
    skip('calendar scope', 'local mode: not checked'),
    skip('event mode', 'local mode: the emulator pushes with keys of its own'),
  ];
}

// The SDK and ioredis are loaded only when a check needs them: the SDK alone takes seconds to load.
async function feishuResults(config: AppConfig, cwd: string, logger: Logger): Promise<CheckResult[]> {
  if (usesEmulator(config)) return localModeResults();
  if (config.feishu.appType === 'store') {
    const { checkEventMode } = await import('./feishu-checks.js');
    const { checkStoreApp } = await import('./store-checks.js');
    return [
      ...(await checkStoreApp(config, cwd, logger)),
      skip('room scope', 'store app: each tenant grants it when installing; not probed'),
      skip('calendar scope', 'store app: each tenant grants it when installing; not probed'),
      checkEventMode(config),
    ];
  }
  const {
    checkCalendarScope,
    checkCredentials,
    checkDirectoryScope,
    checkEventMode,
    checkRoomScope,
    createFeishuProbe,
  } = await import('./feishu-checks.js');
  const probe = createFeishuProbe(config.feishu, logger);
  const credentials = await checkCredentials(probe);
  const scope =
    credentials.status === 'pass'
      ? await checkRoomScope(probe)
      : skip('room scope', 'not checked: needs credentials Feishu accepts');
  const directory =
    credentials.status === 'pass'
      ? await checkDirectoryScope(probe)
      : skip('directory scope', 'not checked: needs credentials Feishu accepts');
  const calendar = !config.booking.enabled
    ? skip('calendar scope', 'not checked: BOOKING_ENABLED is false')
    : credentials.status === 'pass'
      ? await checkCalendarScope(probe)
      : skip('calendar scope', 'not checked: needs credentials Feishu accepts');
  return [credentials, scope, directory, calendar, checkEventMode(config)];
}

async function storageResults(config: AppConfig, cwd: string): Promise<CheckResult[]> {
  if (config.redisUrl) return (await import('./redis-check.js')).checkRedis(config.redisUrl);
  return [await (await import('./data-dir-check.js')).checkDataDir(resolve(cwd, config.dataDir))];
}

/** Runs every check that applies and returns one result per line of the report. */
export async function runDoctor(options: DoctorOptions): Promise<CheckResult[]> {
  let config: AppConfig;
  try {
    config = loadConfig(options.env, options.cwd);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [fail('configuration', error.message), skip('other checks', 'not run: they need a valid configuration')];
  }
  const logger = options.logger ?? createLogger('silent');
  const [feishu, storage] = await Promise.all([
    feishuResults(config, options.cwd, logger),
    storageResults(config, options.cwd),
  ]);
  return [pass('configuration', configSummary(config)), ...feishu, ...storage];
}
