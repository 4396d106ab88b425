// The benchmark's app credentials and the bot configuration every phase starts from.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type AppConfig } from '../../src/config.js';

/** Fake credentials: everything runs against the local emulator on loopback. */
export const BENCH_APP = {
  appId: 'cli_be0c0000000000a1', // Feishu's shape (cli_ + 16 hex): the SDK's WSClient takes no other
  appSecret: 'bench-secret-not-real',
  verificationToken: 'bench-verification-token',
  encryptKey: 'bench-encrypt-key',
} as const;

/** The repository root (where app.config.json lives), whatever the working directory. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Environment of a benchmarked bot: app.config.json defaults (its log level included: a line per message
 * handled is part of the cost), the bench credentials, loopback only. The signature window is widened
 * because the event pool is signed once before the runs start (checking the timestamp costs the same
 * whatever the window). BENCH_LOG_LEVEL overrides the log level, to see what logging costs.
 */
export function botEnv(feishuDomain: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    FEISHU_APP_ID: BENCH_APP.appId,
    FEISHU_APP_SECRET: BENCH_APP.appSecret,
    FEISHU_VERIFICATION_TOKEN: BENCH_APP.verificationToken,
    FEISHU_ENCRYPT_KEY: BENCH_APP.encryptKey,
    FEISHU_DOMAIN: feishuDomain,
    HOST: '127.0.0.1',
    PORT: '0',
    SIGNATURE_TOLERANCE_SECONDS: '3600',
    ...(process.env.BENCH_LOG_LEVEL ? { LOG_LEVEL: process.env.BENCH_LOG_LEVEL } : {}),
    ...overrides,
  };
}

export function benchConfig(env: Record<string, string>): AppConfig {
  // a journal of its own per server process, never the repository's .data/
  return loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'roombot-bench-')), ...env }, REPO_ROOT);
}
