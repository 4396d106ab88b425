import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_KEYS, loadConfig, usesEmulator } from '../src/config.js';
import appConfig from '../app.config.json' with { type: 'json' };

describe('loadConfig', () => {
  it('reads the committed defaults: no credentials means the local emulator', () => {
    const config = loadConfig({});
    expect(config.feishu.domain).toBe('https://open.feishu.cn');
    expect(config.server.port).toBe(3000);
    expect(config.lookup).toMatchObject({ maxIds: 100, maxIdLength: 64, batchSize: 50 });
    expect(config.queue).toMatchObject({ retryBaseDelayMs: 2000, retryMaxDelayMs: 300000, giveUpAfterSeconds: 10800 });
    expect(config.dataDir).toBe('.data');
    expect(usesEmulator(config)).toBe(true);
  });

  it('lets the environment override every key, with numbers and lists coerced', () => {
    const config = loadConfig({
      FEISHU_APP_ID: 'cli_x',
      FEISHU_APP_SECRET: 's',
      FEISHU_DOMAIN: 'http://127.0.0.1:9000/',
      PORT: '8080',
      QUEUE_RETRY_BASE_DELAY_MS: '10',
      DATA_DIR: '/var/lib/roombot',
      LOG_LEVEL: 'debug',
      REDIS_URL: 'redis://127.0.0.1:6379/1',
    });
    expect(config.feishu.domain).toBe('http://127.0.0.1:9000');
    expect(config.server.port).toBe(8080);
    expect(config.queue.retryBaseDelayMs).toBe(10);
    expect(config.dataDir).toBe('/var/lib/roombot');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379/1');
    expect(usesEmulator(config)).toBe(false);
  });

  it('names the bad key and its variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/server\.port \(PORT\)/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/logLevel \(LOG_LEVEL\)/);
    expect(() => loadConfig({ REDIS_URL: 'localhost:6379' })).toThrow(/redisUrl \(REDIS_URL\)/);
    expect(() => loadConfig({ FEISHU_APP_ID: 'cli_only_id' })).toThrow(/FEISHU_APP_SECRET/);
  });

  it('validates ROOM_TIMEZONE as an IANA zone at start, in its canonical spelling', () => {
    expect(loadConfig({}).availability).toEqual({ timezone: 'Asia/Shanghai', cacheTtlSeconds: 60 });
    expect(loadConfig({ ROOM_TIMEZONE: 'europe/berlin', AVAILABILITY_CACHE_TTL_SECONDS: '0' }).availability).toEqual({ timezone: 'Europe/Berlin', cacheTtlSeconds: 0 });
    expect(() => loadConfig({ ROOM_TIMEZONE: 'Mars/Olympus_Mons' })).toThrow(/availability\.timezone \(ROOM_TIMEZONE\): unknown time zone "Mars\/Olympus_Mons"/);
    expect(() => loadConfig({ ROOM_TIMEZONE: '' })).toThrow(/ROOM_TIMEZONE/);
    expect(() => loadConfig({ AVAILABILITY_CACHE_TTL_SECONDS: '-1' })).toThrow(/availability\.cacheTtlSeconds \(AVAILABILITY_CACHE_TTL_SECONDS\)/);
  });

  it('reads who may ask: ALLOW_EXTERNAL_SENDERS as a boolean, ALLOWED_CHAT_IDS as a comma list of chat IDs', () => {
    expect(loadConfig({}).access).toEqual({ allowExternalSenders: false, allowedChatIds: [] });
    expect(loadConfig({ ALLOW_EXTERNAL_SENDERS: 'true', ALLOWED_CHAT_IDS: ' oc_a1, oc_b-2 ,,' }).access).toEqual({ allowExternalSenders: true, allowedChatIds: ['oc_a1', 'oc_b-2'] });
    expect(loadConfig({ ALLOW_EXTERNAL_SENDERS: 'FALSE', ALLOWED_CHAT_IDS: '' }).access).toEqual({ allowExternalSenders: false, allowedChatIds: [] });
    expect(() => loadConfig({ ALLOW_EXTERNAL_SENDERS: 'maybe' })).toThrow(/access\.allowExternalSenders \(ALLOW_EXTERNAL_SENDERS\)/);
    expect(() => loadConfig({ ALLOWED_CHAT_IDS: 'oc_a,team chat' })).toThrow(/access\.allowedChatIds\.1 \(ALLOWED_CHAT_IDS\): each chat ID starts with oc_/);
    const dir = mkdtempSync(join(tmpdir(), 'roomcfg-'));
    const file = join(dir, 'access.json');
    writeFileSync(file, JSON.stringify({ ...appConfig, access: { allowExternalSenders: true, allowedChatIds: ['oc_x'] } }));
    expect(loadConfig({ APP_CONFIG: file }).access).toEqual({ allowExternalSenders: true, allowedChatIds: ['oc_x'] });
  });

  it('reads another file named by APP_CONFIG, and says when it cannot', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomcfg-'));
    const file = join(dir, 'other.json');
    writeFileSync(file, JSON.stringify({ ...appConfig, server: { ...appConfig.server, port: 4242 } }));
    expect(loadConfig({ APP_CONFIG: file }).server.port).toBe(4242);
    expect(() => loadConfig({ APP_CONFIG: join(dir, 'missing.json') })).toThrow(/cannot read config file/);
    writeFileSync(file, '{ not json');
    expect(() => loadConfig({ APP_CONFIG: file })).toThrow(/not valid JSON/);
  });

  it('documents every environment variable in app.config.json and the README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const [name, key] of Object.entries(ENV_KEYS)) {
      expect(appConfig._env[key as keyof typeof appConfig._env], key).toMatch(new RegExp(`^${name} — `));
      expect(readme, name).toContain(`| \`${name}\` | \`${key}\` |`);
    }
  });
});
