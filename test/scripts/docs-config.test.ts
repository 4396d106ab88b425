import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configKeys, renderedFiles, renderEnvExample, renderTable, REPO_ROOT } from '../../scripts/docs-config.js';
import { ENV_KEYS } from '../../src/config.js';
import appConfig from '../../app.config.json' with { type: 'json' };

describe('npm run docs:config', () => {
  it('has written the committed docs/configuration.md and .env.example (else: run npm run docs:config)', () => {
    for (const { path, text } of renderedFiles()) {
      expect(readFileSync(join(REPO_ROOT, path), 'utf8'), `${path} is stale: run npm run docs:config`).toBe(text);
    }
  });

  it('documents every variable the bot reads, with its key and default', () => {
    const keys = configKeys(appConfig);
    expect(Object.fromEntries(keys.map((k) => [k.variable, k.key]))).toEqual(ENV_KEYS);
    const table = renderTable(keys);
    expect(table).toContain('| `PORT` | `server.port` | `3000` | port of the webhook');
    expect(table).toContain('| `SHUTDOWN_TIMEOUT_MS` | `server.shutdownTimeoutMs` | `25000` (25 s) |');
    expect(table).toContain('| `ALLOWED_CHAT_IDS` | `access.allowedChatIds` | *(empty)* |');
    const example = renderEnvExample(keys);
    expect(example).toMatch(/^FEISHU_APP_SECRET=$/m); // to fill in
    expect(example).toMatch(/^# PORT=3000$/m); // keeps its default
    expect(example).toMatch(/^# APP_CONFIG=/m);
    expect(Math.max(...example.split('\n').map((line) => line.length))).toBeLessThanOrEqual(120);
  });

  it('refuses an _env line that does not name its variable, or names a key without a default', () => {
    expect(() => configKeys({ server: { port: 1 }, _env: { 'server.port': 'the port' } })).toThrow(
      /_env\["server.port"\] must read "VARIABLE — meaning"/,
    );
    expect(() => configKeys({ _env: { 'server.port': 'PORT — the port' } })).toThrow(/does not have/);
  });
});
