import { describe, expect, it } from 'vitest';
import { FeishuApiError, type FeishuFailureKind } from '../src/errors.js';

describe('FeishuApiError.transient', () => {
  it.each<[FeishuFailureKind, boolean]>([
    ['rate_limited', true],
    ['unavailable', true],
    ['invalid_token', true],
    ['permission', false],
    ['rejected', false],
  ])('%s → %s', (kind, transient) => {
    expect(new FeishuApiError(kind, 'im.message.reply', 1, 'msg', 'log', 400).transient).toBe(transient);
  });
});
