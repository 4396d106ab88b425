import { afterEach, describe, expect, it } from 'vitest';
import type { CardActionResponse } from '../../../src/protocol/events.js';
import { STILL_WORKING } from '../../../src/bot/card-actions.js';
import { DEFAULT_CARD_ACTION_ERROR_RESPONSE } from '../../../src/transports/dispatch.js';
import {
  encryptedBody,
  fixture,
  post,
  signatureHeaders,
  signedEncryptedPush,
  startHarness,
  withToken,
  type Harness,
} from '../../helpers/webhook-harness.js';

const cardAction = fixture('card-action-trigger.json');
const challenge = fixture('url-verification.json');

const refreshedCard: CardActionResponse = {
  toast: { type: 'success', content: 'Refreshed', i18n: { zh_cn: '已刷新', en_us: 'Refreshed' } },
  card: { type: 'raw', data: { schema: '2.0', body: { elements: [{ tag: 'markdown', content: 'A-101 → omm_1' }] } } },
};

describe('POST /webhook/card', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("answers a signed, encrypted card.action.trigger with onCardAction's JSON", async () => {
    h = await startHarness({ onCardAction: async () => refreshedCard });
    const res = await post(`${h.url}/webhook/card`, signedEncryptedPush(cardAction));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(refreshedCard);
    expect(h.cardActions).toEqual([cardAction]);
    expect(h.events).toHaveLength(0);
  });

  it('answers the callback URL verification (encrypted, unsigned) the same way as the event URL', async () => {
    h = await startHarness();
    const res = await post(`${h.url}/webhook/card`, { body: encryptedBody(challenge), headers: {} });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'ajls384kdjx98XX' });
    expect(h.cardActions).toHaveLength(0);
  });

  it('applies the same signature and token rules', async () => {
    h = await startHarness();
    const unsigned = await post(`${h.url}/webhook/card`, { body: encryptedBody(cardAction), headers: {} });
    expect(unsigned.status).toBe(401);
    const badSignature = signedEncryptedPush(cardAction);
    badSignature.headers['X-Lark-Signature'] = signatureHeaders(badSignature.body, { key: 'other' })[
      'X-Lark-Signature'
    ]!;
    expect((await post(`${h.url}/webhook/card`, badSignature)).status).toBe(401);
    expect((await post(`${h.url}/webhook/card`, signedEncryptedPush(withToken(cardAction, 'wrong')))).status).toBe(401);
    expect(h.cardActions).toHaveLength(0);
    expect(h.logs.find({ reason: 'missing_signature', path: '/webhook/card' })).toHaveLength(1);
    expect(h.logs.find({ reason: 'bad_signature', path: '/webhook/card' })).toHaveLength(1);
    expect(
      h.logs.find({ reason: 'bad_token', path: '/webhook/card', event_id: 'f7984f25108f8137722bb63cee927e66' }),
    ).toHaveLength(1);
  });

  it('also answers a card callback delivered to the event URL (one URL configured for both)', async () => {
    h = await startHarness({ onCardAction: async () => refreshedCard });
    const res = await post(`${h.url}/webhook/event`, signedEncryptedPush(cardAction));
    expect(await res.json()).toEqual(refreshedCard);
    expect(h.cardActions).toHaveLength(1);
    expect(h.events).toHaveLength(0);
  });

  it('answers with an info toast when onCardAction misses the deadline, and lets it finish', async () => {
    let release!: () => void;
    let finished = false;
    h = await startHarness({
      cardActionTimeoutMs: 50,
      onCardAction: async () => {
        await new Promise<void>((resolve) => (release = resolve));
        finished = true;
        return refreshedCard;
      },
    });
    const res = await post(`${h.url}/webhook/card`, signedEncryptedPush(cardAction));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(STILL_WORKING);
    expect(STILL_WORKING.toast?.type).toBe('info');
    expect(h.logs.find({ msg: 'card action slower than the callback deadline; answered with a toast' })).toHaveLength(
      1,
    );
    release();
    await expect.poll(() => finished).toBe(true);
  });

  it('answers with an error toast (not a 500) when onCardAction throws, and logs the error', async () => {
    h = await startHarness({
      onCardAction: async () => {
        throw new Error('lookup failed');
      },
    });
    const res = await post(`${h.url}/webhook/card`, signedEncryptedPush(cardAction));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(DEFAULT_CARD_ACTION_ERROR_RESPONSE);
    const errors = h.logs.find({ msg: 'card action handler failed; answered with an error toast' });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.level).toBe(50);
    expect(errors[0]!.event_id).toBe('f7984f25108f8137722bb63cee927e66');
  });

  it('answers with the error toast even when onCardAction throws synchronously', async () => {
    h = await startHarness({
      onCardAction: () => {
        throw new Error('not even a promise');
      },
    });
    const res = await post(`${h.url}/webhook/card`, signedEncryptedPush(cardAction));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(DEFAULT_CARD_ACTION_ERROR_RESPONSE);
  });

  it('still answers card callbacks while draining: Feishu never re-sends them', async () => {
    h = await startHarness({ onCardAction: async () => refreshedCard });
    h.readiness = { ready: true, draining: true };
    const res = await post(`${h.url}/webhook/card`, signedEncryptedPush(cardAction));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(refreshedCard);
  });

  it('hands other event types arriving at the card URL to onEvent', async () => {
    h = await startHarness();
    const res = await post(`${h.url}/webhook/card`, signedEncryptedPush(fixture('message-receive-p2p.json')));
    expect(res.status).toBe(200);
    expect(h.events).toHaveLength(1);
    expect(h.cardActions).toHaveLength(0);
  });
});
