import { describe, expect, it } from 'vitest';
import { computeSignature, decryptPayload, encryptPayload, signatureMatches } from '../../src/feishu/crypto.js';

describe('Feishu event crypto', () => {
  it("decrypts Feishu's published vector (encrypt key 'test key')", () => {
    expect(decryptPayload('P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=', 'test key')).toBe('hello world');
  });

  it('round-trips a JSON body, with a fresh IV each time', () => {
    const body = JSON.stringify({ challenge: 'abc', token: 't', type: 'url_verification', text: '会议室' });
    const a = encryptPayload(body, 'k');
    const b = encryptPayload(body, 'k');
    expect(a).not.toBe(b);
    expect(decryptPayload(a, 'k')).toBe(body);
  });

  it('refuses a ciphertext under the wrong key or of the wrong length', () => {
    const enc = encryptPayload('{"a":1}', 'right key');
    expect(() => decryptPayload(enc, 'wrong key')).toThrow();
    expect(() => decryptPayload('AAAA', 'k')).toThrow(/length/);
  });

  it('signs timestamp + nonce + key + raw body with sha256, as the Node.js sample in the docs', () => {
    const sig = computeSignature('1700000000', 'nonce1', 'key', '{"encrypt":"x"}');
    // expected value computed independently: sha256 of the concatenated string, per the doc's Node.js sample
    expect(sig).toBe('b051c3b674c7b464ec981b917d61d438114626bed539aef9be8b4b0c2d991dbd');
    expect(signatureMatches(sig, sig.toUpperCase())).toBe(true);
    expect(signatureMatches(sig, computeSignature('1700000000', 'nonce1', 'key', '{"encrypt":"y"}'))).toBe(false);
    expect(signatureMatches(sig, 'short')).toBe(false);
  });
});
