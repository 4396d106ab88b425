import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aesKeyFor, decryptPayload, signatureDigest, signatureMatches } from '../../src/protocol/crypto.js';
import { computeSignature, encryptPayload } from '../../src/emulator/crypto.js';

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
    // a fixed IV: under a wrong key the padding is random, so a random IV would pass 1 time in ~256
    const enc = encryptPayload('{"a":1}', 'right key', Buffer.alloc(16, 7));
    expect(() => decryptPayload(enc, 'wrong key')).toThrow(/bad decrypt/);
    expect(() => decryptPayload('AAAA', 'k')).toThrow(/length/);
    expect(() => decryptPayload(Buffer.alloc(16 + 15).toString('base64'), 'k')).toThrow(/length/);
  });

  it("decrypts exactly as OpenSSL's AES-256-CBC does, for every length around the block size", () => {
    for (let length = 0; length <= 70; length += 1) {
      const key = randomBytes(8).toString('hex');
      const iv = randomBytes(16);
      const plaintext = randomBytes(length).toString('base64').slice(0, length);
      const encrypted = encryptPayload(plaintext, key, iv);
      const bytes = Buffer.from(encrypted, 'base64');
      const decipher = createDecipheriv('aes-256-cbc', createHash('sha256').update(key).digest(), iv);
      const reference = Buffer.concat([decipher.update(bytes.subarray(16)), decipher.final()]).toString('utf8');
      expect(decryptPayload(encrypted, key)).toBe(reference);
      expect(reference).toBe(plaintext);
    }
  });

  it('refuses invalid PKCS#7 padding, as OpenSSL does', () => {
    const key = 'k';
    const iv = Buffer.alloc(16, 1);
    const withLastBlock = (last: number[]) => {
      const cipher = createCipheriv('aes-256-cbc', createHash('sha256').update(key).digest(), iv).setAutoPadding(false);
      const plain = Buffer.concat([
        Buffer.from('0123456789abcdef'),
        Buffer.from([...Buffer.alloc(16 - last.length, 0x41), ...last]),
      ]);
      return Buffer.concat([iv, cipher.update(plain), cipher.final()]).toString('base64');
    };
    expect(decryptPayload(withLastBlock([0x01]), key)).toBe(`0123456789abcdef${'A'.repeat(15)}`);
    expect(decryptPayload(withLastBlock(Array(16).fill(16) as number[]), key)).toBe('0123456789abcdef');
    expect(() => decryptPayload(withLastBlock([0x00]), key)).toThrow(/bad decrypt/);
    expect(() => decryptPayload(withLastBlock([0x11]), key)).toThrow(/bad decrypt/);
    expect(() => decryptPayload(withLastBlock([0x02, 0x03]), key)).toThrow(/bad decrypt/);
    expect(() => decryptPayload(withLastBlock([0x01, 0x03, 0x03]), key)).toThrow(/bad decrypt/);
  });

  it('decrypts with a key derived once exactly as with the encrypt key itself', () => {
    const key = aesKeyFor('test key');
    expect(key.equals(createHash('sha256').update('test key').digest())).toBe(true);
    expect(decryptPayload('P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=', key)).toBe('hello world');
    expect(decryptPayload(encryptPayload('x', key), 'test key')).toBe('x');
  });

  it('keeps keys apart', () => {
    const a = encryptPayload('under a', 'key a');
    const b = encryptPayload('under b', 'key b');
    expect(decryptPayload(a, 'key a')).toBe('under a');
    expect(decryptPayload(b, 'key b')).toBe('under b');
    expect(decryptPayload(a, 'key a')).toBe('under a');
  });

  it('signs timestamp + nonce + key + raw body with sha256, as the Node.js sample in the docs', () => {
    const sig = computeSignature('1700000000', 'nonce1', 'key', '{"encrypt":"x"}');
    // expected value computed independently: sha256 of the concatenated string, per the doc's Node.js sample
    expect(sig).toBe('b051c3b674c7b464ec981b917d61d438114626bed539aef9be8b4b0c2d991dbd');
    const digest = signatureDigest('1700000000', 'nonce1', 'key', '{"encrypt":"x"}');
    expect(digest.toString('hex')).toBe(sig);
    expect(signatureMatches(digest, sig)).toBe(true);
    expect(signatureMatches(digest, sig.toUpperCase())).toBe(true);
    expect(signatureMatches(digest, computeSignature('1700000000', 'nonce1', 'key', '{"encrypt":"y"}'))).toBe(false);
    expect(signatureMatches(digest, 'short')).toBe(false);
    expect(signatureMatches(digest, `${sig}00`)).toBe(false);
    // hex decoding would stop at the "z" and ignore the rest: the length check must catch it
    expect(signatureMatches(digest, `${sig.slice(0, 62)}zz`)).toBe(false);
    expect(signatureMatches(Buffer.from(sig.slice(0, 62), 'hex'), `${sig.slice(0, 62)}zz`)).toBe(false);
  });
});
