// The standalone emulator (`npm run emulator`): started as a process, driven over its control API and stdin.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventEnvelope, MessageReceiveEvent } from '../../src/protocol/events.js';
import { startReceiver, type Receiver } from '../helpers/emulator.js';
import { startSdkClient } from '../helpers/emulator-ws.js';

let child: ChildProcessWithoutNullStreams | undefined;
let receiver: Receiver | undefined;

afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await receiver?.close();
});

function waitFor<T>(check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const value = check();
      if (value !== undefined) {
        clearInterval(poll);
        resolve(value);
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error('timed out waiting'));
      }
    }, 20);
  });
}

describe('src/emulator/main.ts', () => {
  it('prints its URL, pushes messages from the control API and from stdin, and stops on SIGTERM', async () => {
    receiver = await startReceiver();
    const started = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/main.ts'], {
      env: {
        ...process.env,
        EMULATOR_PORT: '0',
        EMULATOR_EVENT_URL: `${receiver.url}/webhook/event`,
        FEISHU_APP_ID: 'cli_cli_test',
        FEISHU_ENCRYPT_KEY: '',
        LOG_LEVEL: 'silent',
      },
    });
    child = started;
    let stdout = '';
    started.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));

    const url = await waitFor(() => /Feishu emulator on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1]);
    const token = await fetch(`${url}/open-apis/auth/v3/tenant_access_token/internal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: 'cli_cli_test', app_secret: 'emulator-app-secret' }),
    });
    expect(((await token.json()) as { code: number }).code).toBe(0);

    const sent = await fetch(`${url}/_emulator/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"/room test01"}',
    });
    expect(sent.status).toBe(202);
    const { message_id: messageId } = (await sent.json()) as { message_id: string };
    started.stdin.write('group /room test02\n');

    const pushes = await waitFor(() => (receiver!.received.length >= 2 ? receiver!.received : undefined));
    const messages = pushes.map(
      (push) => (JSON.parse(push.rawBody.toString('utf8')) as EventEnvelope<MessageReceiveEvent>).event.message,
    );
    expect(messages[0]).toMatchObject({ message_id: messageId, chat_type: 'p2p', content: '{"text":"/room test01"}' });
    expect(messages[1]).toMatchObject({ chat_type: 'group', content: '{"text":"@_user_1 /room test02"}' });

    const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
    started.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('delivers over the long connection with EMULATOR_EVENT_TRANSPORT=websocket', async () => {
    const app = {
      appId: 'cli_00000000000000aa',
      appSecret: 'emulator-app-secret',
      verificationToken: 'emulator-verification-token',
    };
    const started = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/main.ts'], {
      env: {
        ...process.env,
        EMULATOR_PORT: '0',
        EMULATOR_EVENT_TRANSPORT: 'websocket',
        FEISHU_APP_ID: app.appId,
        FEISHU_ENCRYPT_KEY: '',
        LOG_LEVEL: 'silent',
      },
    });
    child = started;
    let stdout = '';
    started.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const url = await waitFor(() => /Feishu emulator on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1]);
    // the second line may come in a later chunk
    await waitFor(() => (/long connection/.test(stdout) ? true : undefined));

    const received: string[] = [];
    const sdk = startSdkClient({ url }, app, {
      'im.message.receive_v1': async (data) => void received.push(data.message.content),
    });
    try {
      await sdk.ready;
      started.stdin.write('/room test01\n');
      expect(await waitFor(() => received[0])).toBe('{"text":"/room test01"}');
    } finally {
      sdk.close();
    }
  });
});
