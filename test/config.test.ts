import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closestKey, ENV_KEYS, loadConfig, usesEmulator } from '../src/config.js';
import appConfig from '../app.config.json' with { type: 'json' };

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
}

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

  it('names the variable a bad value came from, and shows the value', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow('PORT="abc" (server.port): must be a number');
    expect(() => loadConfig({ PORT: '' })).toThrow('PORT="" (server.port): must be a number');
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT="70000" \(server\.port\): Too big/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL="loud" \(logLevel\): Invalid option/);
    expect(() => loadConfig({ FEISHU_APP_ID: 'cli_only_id' })).toThrow(/FEISHU_APP_SECRET/);
    // every problem at once, in one message
    expect(() => loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' })).toThrow(/PORT="abc".*; LOG_LEVEL="loud"/);
  });

  it('validates ROOM_TIMEZONE as an IANA zone at start, in its canonical spelling', () => {
    expect(loadConfig({}).availability).toEqual({ timezone: 'Asia/Shanghai', cacheTtlSeconds: 60 });
    expect(loadConfig({ ROOM_TIMEZONE: 'europe/berlin', AVAILABILITY_CACHE_TTL_SECONDS: '0' }).availability).toEqual({
      timezone: 'Europe/Berlin',
      cacheTtlSeconds: 0,
    });
    expect(() => loadConfig({ ROOM_TIMEZONE: 'Mars/Olympus_Mons' })).toThrow(
      /ROOM_TIMEZONE="Mars\/Olympus_Mons" \(availability\.timezone\): unknown time zone "Mars\/Olympus_Mons"/,
    );
    expect(() => loadConfig({ ROOM_TIMEZONE: '' })).toThrow(/ROOM_TIMEZONE/);
    expect(() => loadConfig({ AVAILABILITY_CACHE_TTL_SECONDS: '-1' })).toThrow(
      /AVAILABILITY_CACHE_TTL_SECONDS="-1" \(availability\.cacheTtlSeconds\)/,
    );
  });

  it('reads who may ask: ALLOW_EXTERNAL_SENDERS as a boolean, ALLOWED_CHAT_IDS as a comma list of chat IDs', () => {
    expect(loadConfig({}).access).toEqual({ allowExternalSenders: false, allowedChatIds: [] });
    expect(loadConfig({ ALLOW_EXTERNAL_SENDERS: 'true', ALLOWED_CHAT_IDS: ' oc_a1, oc_b-2 ,,' }).access).toEqual({
      allowExternalSenders: true,
      allowedChatIds: ['oc_a1', 'oc_b-2'],
    });
    expect(loadConfig({ ALLOW_EXTERNAL_SENDERS: 'FALSE', ALLOWED_CHAT_IDS: '' }).access).toEqual({
      allowExternalSenders: false,
      allowedChatIds: [],
    });
    expect(() => loadConfig({ ALLOW_EXTERNAL_SENDERS: 'maybe' })).toThrow(
      /ALLOW_EXTERNAL_SENDERS="maybe" \(access\.allowExternalSenders\)/,
    );
    expect(() => loadConfig({ ALLOWED_CHAT_IDS: 'oc_a,team chat' })).toThrow(
      /ALLOWED_CHAT_IDS="oc_a,team chat" \(access\.allowedChatIds\.1\): each chat ID starts with oc_/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'roomcfg-'));
    const file = join(dir, 'access.json');
    writeFileSync(file, JSON.stringify({ access: { allowExternalSenders: true, allowedChatIds: ['oc_x'] } }));
    expect(loadConfig({ APP_CONFIG: file }).access).toEqual({ allowExternalSenders: true, allowedChatIds: ['oc_x'] });
    writeFileSync(file, JSON.stringify({ access: { allowedChatIds: ['oc_x', 'general'] } }));
    expect(() => loadConfig({ APP_CONFIG: file })).toThrow(
      `access.allowedChatIds.1 in ${file}: each chat ID starts with oc_`,
    );
  });

  it("chooses how events arrive; the long connection needs an app ID of Feishu's shape (the SDK's WSClient takes no other)", () => {
    expect(loadConfig({}).feishu.eventMode).toBe('webhook');
    expect(loadConfig({ FEISHU_EVENT_MODE: 'websocket' }).feishu.eventMode).toBe('websocket'); // local mode picks its own app ID
    const app = { FEISHU_APP_ID: 'cli_a1b2c3d4e5f60718', FEISHU_APP_SECRET: 's' };
    expect(loadConfig({ ...app, FEISHU_EVENT_MODE: 'websocket' }).feishu.eventMode).toBe('websocket');
    expect(() => loadConfig({ ...app, FEISHU_APP_ID: 'cli_x', FEISHU_EVENT_MODE: 'websocket' })).toThrow(
      /FEISHU_APP_ID.*cli_ followed by 16 hex digits/,
    );
    expect(loadConfig({ ...app, FEISHU_APP_ID: 'cli_x' }).feishu.appId).toBe('cli_x'); // the webhook does not care
    expect(() => loadConfig({ FEISHU_EVENT_MODE: 'socket' })).toThrow(
      /FEISHU_EVENT_MODE="socket" \(feishu\.eventMode\)/,
    );
  });

  it('FEISHU_APP_TYPE: self_built by default, or store; a store app cannot use the long connection', () => {
    expect(loadConfig({}).feishu.appType).toBe('self_built');
    expect(loadConfig({}).tenant.maxConcurrent).toBe(4);
    expect(loadConfig({ FEISHU_APP_TYPE: 'store', TENANT_MAX_CONCURRENT: '2' })).toMatchObject({
      feishu: { appType: 'store' },
      tenant: { maxConcurrent: 2 },
    });
    expect(() => loadConfig({ FEISHU_APP_TYPE: 'isv' })).toThrow(/FEISHU_APP_TYPE="isv" \(feishu\.appType\)/);
    expect(() => loadConfig({ FEISHU_APP_TYPE: 'store', FEISHU_EVENT_MODE: 'websocket' })).toThrow(
      'FEISHU_APP_TYPE=store cannot use FEISHU_EVENT_MODE=websocket: the long connection is for self-built apps only',
    );
  });

  it('never shows a secret, and shows a Redis URL without its password', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomcfg-'));
    const file = join(dir, 'secret.json');
    writeFileSync(file, JSON.stringify({ feishu: { appSecret: 918273645, encryptKey: ['k3y-v4lue'] } }));
    const message = messageOf(() => loadConfig({ APP_CONFIG: file }));
    expect(message).toContain(`feishu.appSecret = (hidden) in ${file}`);
    expect(message).toContain('feishu.encryptKey = (hidden)');
    expect(message).not.toMatch(/918273645|k3y-v4lue/);
    const redis = messageOf(() => loadConfig({ REDIS_URL: 'http://bot:hunter2@cache:6379' }));
    expect(redis).toContain('REDIS_URL="http://***@cache:6379" (redisUrl): must start with redis://');
    expect(redis).not.toContain('hunter2');
  });

  it('lays a file named by APP_CONFIG over the defaults, and names it when a value in it is bad', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomcfg-'));
    const file = join(dir, 'port.json');
    writeFileSync(file, JSON.stringify({ server: { port: 4242 } }));
    const config = loadConfig({ APP_CONFIG: file });
    expect(config.server).toEqual({ ...loadConfig({}).server, port: 4242 });
    expect(config.feishu.domain).toBe('https://open.feishu.cn');
    // the environment still wins over the file; a relative path is read from the working directory
    expect(loadConfig({ APP_CONFIG: 'port.json', PORT: '5000' }, dir).server.port).toBe(5000);
    writeFileSync(file, JSON.stringify({ server: { port: 'eighty' } }));
    expect(() => loadConfig({ APP_CONFIG: file })).toThrow(`server.port = "eighty" in ${file}: must be a number`);
  });

  it('says when the file named by APP_CONFIG cannot be used', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomcfg-'));
    const file = join(dir, 'other.json');
    expect(() => loadConfig({ APP_CONFIG: join(dir, 'missing.json') })).toThrow(
      /cannot read config file .*missing\.json.*\(check APP_CONFIG\)/,
    );
    writeFileSync(file, '{ not json');
    expect(() => loadConfig({ APP_CONFIG: file })).toThrow(/not valid JSON/);
    writeFileSync(file, '[1, 2]');
    expect(() => loadConfig({ APP_CONFIG: file })).toThrow(/must hold a JSON object/);
  });

  it('refuses an unknown key by name, with the closest known key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomcfg-'));
    const file = join(dir, 'typo.json');
    writeFileSync(
      file,
      JSON.stringify({
        _note: 'comments are fine',
        feishu: { appid: 'cli_x' },
        sever: { port: 1 },
        lookup: { zzzzzzzz: 1 },
      }),
    );
    expect(() => loadConfig({ APP_CONFIG: file })).toThrow(
      `unknown keys "feishu.appid" (did you mean feishu.appId?), "sever" (did you mean server?), "lookup.zzzzzzzz" in ${file}`,
    );
    expect(closestKey('server.prot')).toBe('server.port');
    expect(closestKey('entirely.different')).toBeUndefined();
  });

  it('reads the defaults beside the code whatever the working directory', () => {
    expect(loadConfig({}, tmpdir()).server.port).toBe(3000);
  });

  // docs/configuration.md and .env.example are written from these lines (test/scripts/docs-config.test.ts)
  it('documents every environment variable in app.config.json', () => {
    for (const [name, key] of Object.entries(ENV_KEYS)) {
      expect(appConfig._env[key as keyof typeof appConfig._env], key).toMatch(new RegExp(`^${name} — `));
    }
  });
});
