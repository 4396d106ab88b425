// The /_emulator control API a developer uses with curl while running `npm start`.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { replyAsBot, startReceiver, startTestEmulator, type Receiver, type TestApp } from './support.js';

let emulator: (Emulator & { app: TestApp }) | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await emulator?.close();
  await receiver?.close();
});

async function call(path: string, method = 'GET', body?: unknown): Promise<{ status: number; json: Record<string, unknown> | undefined }> {
  const response = await fetch(`${emulator!.url}${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

describe('/_emulator control API', () => {
  it('sends messages, lists replies, clicks cards, injects faults and expires tokens', async () => {
    receiver = await startReceiver((push) => (push.path === '/card' ? { body: { card: { type: 'raw', data: { v: 2 } } } } : {}));
    emulator = await startTestEmulator({ eventUrl: `${receiver.url}/event`, cardUrl: `${receiver.url}/card` });

    const sent = await call('/_emulator/messages', 'POST', { text: '/room test01', chatType: 'group' });
    expect(sent.status).toBe(202);
    const messageId = sent.json!.message_id as string;
    expect(messageId).toMatch(/^om_/);

    const replyId = await replyAsBot(emulator, emulator.app, messageId, { v: 1 });
    const replies = await call('/_emulator/replies');
    expect((replies.json!.replies as Array<{ replyMessageId: string }>).map((r) => r.replyMessageId)).toEqual([replyId]);

    const click = await call(`/_emulator/replies/${replyId}/click`, 'POST', { value: { action: 'refresh' } });
    expect(click.json).toMatchObject({ ok: true, card: { v: 2 } });

    expect((await call('/_emulator/faults', 'POST', { api: 'token', kind: 'http_500' })).status).toBe(204);
    expect(emulator.faults.pending()).toHaveLength(1);
    expect((await call('/_emulator/faults', 'DELETE')).status).toBe(204);
    expect(emulator.faults.pending()).toHaveLength(0);
    expect((await call('/_emulator/faults', 'POST', { api: 'nope', kind: 'http_500' })).status).toBe(400);

    const issued = emulator.issuedTokens();
    expect((await call('/_emulator/tokens/expire', 'POST')).status).toBe(204);
    await replyAsBot(emulator, emulator.app, messageId, { v: 3 }); // works with a fresh token
    expect(emulator.issuedTokens().length).toBe(issued.length + 1);

    expect((await call('/_emulator')).json).toMatchObject({ eventUrl: `${receiver.url}/event`, replies: 2 });
    expect(emulator.requests.every((r) => r.path.startsWith('/open-apis/'))).toBe(true);
  });
});
