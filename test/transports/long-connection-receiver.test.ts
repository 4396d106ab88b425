// The long connection's receiver on its own: what a frame's data becomes before the SDK acknowledges it (code 200
// with the callback's answer, or nothing) or leaves it unacknowledged (a rejection: code 500, Feishu re-delivers).
// test/e2e/long-connection.test.ts drives it through the SDK's WSClient; these pin each branch without a socket.
import { describe, expect, it } from 'vitest';
import type { CardActionResponse } from '../../src/protocol/events.js';
import type { Answer, Dispatch } from '../../src/transports/dispatch.js';
import { createReceiver } from '../../src/transports/long-connection.js';
import { captureLogs } from '../helpers/log-capture.js';

const TOKEN = 'verification-token';

function frame(token = TOKEN): Record<string, unknown> {
  return {
    schema: '2.0',
    header: {
      event_id: 'f7984f25108f8137722bb63cee927e66',
      event_type: 'im.message.receive_v1',
      create_time: '1700000000000',
      token,
      app_id: 'cli_a000000000000001',
      tenant_key: 'tenant',
    },
    event: {},
  };
}

function receiverWith(dispatch: Dispatch) {
  const logs = captureLogs();
  const rejections: string[] = [];
  const dispatched: unknown[] = [];
  const receiver = createReceiver(TOKEN, (envelope) => (dispatched.push(envelope), dispatch(envelope)), logs.logger, {
    rejection: (reason) => rejections.push(reason),
  });
  return { receiver, logs, rejections, dispatched };
}

const answering =
  (answer: Answer): Dispatch =>
  async () =>
    answer;

describe('the long connection receiver', () => {
  it('an acknowledged event: resolves with no data (code 200)', async () => {
    const { receiver, rejections } = receiverWith(answering({ kind: 'ack', outcome: 'accepted' }));
    await expect(receiver.take(frame())).resolves.toBeUndefined();
    expect(rejections).toEqual([]);
  });

  it("a card callback: resolves with the handler's answer, which rides in the acknowledgement", async () => {
    const response: CardActionResponse = { toast: { type: 'success', content: 'ok' } };
    const { receiver } = receiverWith(answering({ kind: 'card', response }));
    await expect(receiver.take(frame())).resolves.toEqual(response);
  });

  it('a refusal from the dispatch: rejects (not acknowledged), counted and logged with the event and transport', async () => {
    const { receiver, rejections, logs } = receiverWith(
      answering({ kind: 'refused', status: 503, reason: 'busy', message: 'intake queue full; re-deliver later' }),
    );
    await expect(receiver.take(frame())).rejects.toThrow('intake queue full; re-deliver later');
    expect(rejections).toEqual(['busy']);
    expect(
      logs.find({ reason: 'busy', transport: 'websocket', event_id: 'f7984f25108f8137722bb63cee927e66' }),
    ).toHaveLength(1);
  });

  it('a wrong verification token or a malformed frame: rejected before the dispatch sees it', async () => {
    const { receiver, rejections, dispatched } = receiverWith(answering({ kind: 'ack', outcome: 'accepted' }));
    await expect(receiver.take(frame('not-the-token'))).rejects.toThrow(/FEISHU_VERIFICATION_TOKEN/);
    await expect(receiver.take({ schema: '1.0' })).rejects.toThrow();
    await expect(receiver.take('not json')).rejects.toThrow();
    expect(rejections).toEqual(['bad_token', 'invalid_envelope', 'invalid_envelope']);
    expect(dispatched).toEqual([]);
  });

  it('settled() waits for the frames still being taken in, whether they end acknowledged or not', async () => {
    const releases: (() => void)[] = [];
    const { receiver } = receiverWith(
      () => new Promise<Answer>((resolve) => releases.push(() => resolve({ kind: 'ack', outcome: 'accepted' }))),
    );
    const taking = receiver.take(frame());
    const refused = receiver.take(frame('not-the-token')).catch(() => 'refused');
    let settled = false;
    const settling = receiver.settled().then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    releases.forEach((release) => release());
    await settling;
    expect(settled).toBe(true);
    await expect(taking).resolves.toBeUndefined();
    expect(await refused).toBe('refused');
  });
});
