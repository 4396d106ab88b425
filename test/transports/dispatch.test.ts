// The dispatch both transports share, on its own: which events reach the intake, what each intake outcome
// becomes, and how a card callback is answered (in time, on failure, while draining). The e2e tests drive it
// through the webhook and the long connection; these pin each branch without a server.
import { describe, expect, it } from 'vitest';
import { STILL_WORKING } from '../../src/bot/card-actions.js';
import type { IntakeOutcome } from '../../src/bot/intake.js';
import {
  CARD_ACTION_TRIGGER,
  MESSAGE_RECEIVE,
  type CardActionEvent,
  type CardActionResponse,
  type EventEnvelope,
} from '../../src/protocol/events.js';
import {
  createDispatch,
  DEFAULT_CARD_ACTION_ERROR_RESPONSE,
  type DispatchOptions,
} from '../../src/transports/dispatch.js';
import { captureLogs } from '../helpers/log-capture.js';

const APP_ID = 'cli_a000000000000001';

function envelope(eventType: string, appId = APP_ID): EventEnvelope {
  return {
    schema: '2.0',
    header: {
      event_id: 'f7984f25108f8137722bb63cee927e66',
      event_type: eventType,
      create_time: '1700000000000',
      token: 'token',
      app_id: appId,
      tenant_key: 'tenant',
    },
    event: {},
  };
}

const answer: CardActionResponse = { toast: { type: 'success', content: 'done' } };

function dispatchWith(overrides: Partial<DispatchOptions> = {}) {
  const logs = captureLogs();
  const calls = { events: 0, cardActions: 0 };
  const dispatch = createDispatch({
    appId: APP_ID,
    onEvent: async () => ((calls.events += 1), 'accepted'),
    onCardAction: async () => ((calls.cardActions += 1), answer),
    readiness: () => ({ ready: true, draining: false }),
    logger: logs.logger,
    ...overrides,
  });
  return { dispatch, calls, logs };
}

describe('events', () => {
  it('an event for another app is refused (400 foreign_app) and never reaches the intake', async () => {
    const { dispatch, calls } = dispatchWith();
    for (const type of [MESSAGE_RECEIVE, CARD_ACTION_TRIGGER]) {
      expect(await dispatch(envelope(type, 'cli_b000000000000002'))).toMatchObject({
        kind: 'refused',
        status: 400,
        reason: 'foreign_app',
      });
    }
    expect(calls).toEqual({ events: 0, cardActions: 0 });
  });

  it('while starting or draining, events are refused with 503 before the intake sees them', async () => {
    for (const [readiness, reason] of [
      [{ ready: false, draining: false }, 'not_ready'],
      [{ ready: true, draining: true }, 'draining'],
      [{ ready: false, draining: true }, 'draining'],
    ] as const) {
      const { dispatch, calls } = dispatchWith({ readiness: () => readiness });
      expect(await dispatch(envelope(MESSAGE_RECEIVE))).toMatchObject({ kind: 'refused', status: 503, reason });
      expect(calls.events).toBe(0);
    }
  });

  it('each intake outcome becomes an ack or a refusal Feishu re-delivers (503) or never uses (400)', async () => {
    const expected: Record<IntakeOutcome, object> = {
      accepted: { kind: 'ack', outcome: 'accepted' },
      duplicate: { kind: 'ack', outcome: 'duplicate' },
      ignored: { kind: 'ack', outcome: 'ignored' },
      busy: { kind: 'refused', status: 503, reason: 'busy' },
      unavailable: { kind: 'refused', status: 503, reason: 'store_unavailable' },
      invalid: { kind: 'refused', status: 400, reason: 'invalid_id' },
    };
    for (const [outcome, answered] of Object.entries(expected) as [IntakeOutcome, object][]) {
      const { dispatch } = dispatchWith({ onEvent: async () => outcome });
      expect(await dispatch(envelope(MESSAGE_RECEIVE)), outcome).toMatchObject(answered);
    }
  });
});

describe('card callbacks', () => {
  const click = () => envelope(CARD_ACTION_TRIGGER) as EventEnvelope<CardActionEvent>;

  it("are answered with the handler's response, even while starting or draining", async () => {
    const { dispatch, calls } = dispatchWith({ readiness: () => ({ ready: false, draining: true }) });
    expect(await dispatch(click())).toEqual({ kind: 'card', response: answer });
    expect(calls).toEqual({ events: 0, cardActions: 1 });
  });

  it('a handler slower than the deadline: "still working" in time, and its later failure logged', async () => {
    let fail: (error: Error) => void = () => undefined;
    const { dispatch, logs } = dispatchWith({
      cardActionTimeoutMs: 20,
      onCardAction: () => new Promise<CardActionResponse>((_, reject) => (fail = reject)),
    });
    const started = Date.now();
    expect(await dispatch(click())).toEqual({ kind: 'card', response: STILL_WORKING });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(logs.find({ msg: 'card action slower than the callback deadline; answered with a toast' })).toEqual([
      expect.objectContaining({ timeout_ms: 20 }),
    ]);
    fail(new Error('late'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(logs.find({ msg: 'card action failed after its deadline' })).toHaveLength(1);
  });

  it('a handler that throws, even synchronously, or rejects: the error toast', async () => {
    for (const onCardAction of [
      () => {
        throw new Error('sync');
      },
      () => Promise.reject(new Error('async')),
    ]) {
      const { dispatch, logs } = dispatchWith({ onCardAction });
      expect(await dispatch(click())).toEqual({ kind: 'card', response: DEFAULT_CARD_ACTION_ERROR_RESPONSE });
      expect(logs.find({ msg: 'card action handler failed; answered with an error toast' })).toHaveLength(1);
    }
  });
});
