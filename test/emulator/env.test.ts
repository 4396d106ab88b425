import { describe, expect, it } from 'vitest';
import { EMULATOR_DEFAULTS, readEmulatorEnv } from '../../src/emulator/index.js';

describe('readEmulatorEnv', () => {
  it('uses the defaults when nothing is set (or set empty)', () => {
    expect(readEmulatorEnv({ FEISHU_ENCRYPT_KEY: '', FEISHU_APP_ID: '' })).toEqual({
      appId: EMULATOR_DEFAULTS.appId,
      appSecret: EMULATOR_DEFAULTS.appSecret,
      verificationToken: EMULATOR_DEFAULTS.verificationToken,
      port: 9000,
      eventUrl: EMULATOR_DEFAULTS.eventUrl,
      cardUrl: EMULATOR_DEFAULTS.cardUrl,
      eventTransport: 'webhook',
    });
  });

  it('reads the same FEISHU_* variables as the bot, and its own EMULATOR_* ones', () => {
    const env = readEmulatorEnv({
      FEISHU_APP_ID: 'cli_x',
      FEISHU_APP_SECRET: 's',
      FEISHU_VERIFICATION_TOKEN: 'v',
      FEISHU_ENCRYPT_KEY: 'k',
      EMULATOR_PORT: '0',
      EMULATOR_EVENT_URL: 'http://127.0.0.1:4000/e',
      EMULATOR_CARD_URL: 'http://127.0.0.1:4000/c',
      EMULATOR_EVENT_TRANSPORT: 'websocket',
    });
    expect(env).toEqual({
      appId: 'cli_x',
      appSecret: 's',
      verificationToken: 'v',
      encryptKey: 'k',
      port: 0,
      eventUrl: 'http://127.0.0.1:4000/e',
      cardUrl: 'http://127.0.0.1:4000/c',
      eventTransport: 'websocket',
    });
  });

  it('names a bad port or transport', () => {
    expect(() => readEmulatorEnv({ EMULATOR_PORT: 'ninety' })).toThrow(/EMULATOR_PORT/);
    expect(() => readEmulatorEnv({ EMULATOR_EVENT_TRANSPORT: 'carrier pigeon' })).toThrow(/EMULATOR_EVENT_TRANSPORT/);
  });

  it('has a default app ID the SDK’s WSClient accepts (cli_ + 16 hex digits)', () => {
    expect(EMULATOR_DEFAULTS.appId).toMatch(/^cli_[0-9a-fA-F]{16}$/);
  });
});
