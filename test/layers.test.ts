// The layering rules of eslint.config.js, shown to fail on deliberate violations (and to allow what is allowed).
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

/** The import-rule messages ESLint gives `code` as if it were the file at `filePath`. */
async function violations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layering', () => {
  it.each([
    ['src/bot/x.ts', "import { createClient } from '../feishu/client.js';"],
    ['src/bot/x.ts', "import { createStores } from '../state/memory.js';"],
    ['src/bot/x.ts', "import type { Dispatch } from '../transports/dispatch.js';"],
    ['src/bot/x.ts', "import * as lark from '@larksuiteoapi/node-sdk';"],
    ['src/bot/x.ts', "import Koa from 'koa';"],
    ['src/bot/x.ts', "import { startEmulator } from '../emulator/index.js';"],
    ['src/protocol/x.ts', "import { parseCommand } from '../bot/command.js';"],
    ['src/protocol/x.ts', "import { createLogger } from '../log.js';"],
    ['src/protocol/x.ts', "import Koa from 'koa';"],
    ['src/service.ts', "import { startEmulator } from './emulator/index.js';"],
    ['src/main.ts', "import { startEmulator } from './emulator/index.js';"],
    ['src/transports/webhook/x.ts', "import { runChat } from '../../local/chat.js';"],
    ['src/transports/x.ts', "import * as lark from '@larksuiteoapi/node-sdk';"],
    ['src/state/x.ts', "export { startEmulator } from '../emulator/index.js';"],
  ])('%s may not %s', async (file, code) => {
    expect(await violations(file, code)).toHaveLength(1);
  });

  it.each([
    ['src/bot/x.ts', "import type { Logger } from '../log.js';"],
    ['src/protocol/x.ts', "import { isJsonObject } from '../json.js';\nimport { createHash } from 'node:crypto';"],
    [
      'src/protocol/x.ts',
      "import { RequestRejected } from '../errors.js';\nimport type { EventEnvelope } from './events.js';",
    ],
    ['src/main.ts', "import type { Emulator } from './emulator/index.js';"],
    ['src/feishu/x.ts', "import * as lark from '@larksuiteoapi/node-sdk';"],
    ['src/emulator/x.ts', "import { runChat } from '../local/chat.js';"],
    ['test/x.test.ts', "import { startEmulator } from '../src/emulator/index.js';"],
  ])('%s may %s', async (file, code) => {
    expect(await violations(file, code)).toEqual([]);
  });
});
