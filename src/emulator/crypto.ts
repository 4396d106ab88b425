// The sending side of Feishu's event crypto, as Feishu does it: encrypt and sign a push. Only the emulator, the
// tests and the bench use it; the bot only decrypts and verifies (src/protocol/crypto.ts).
import { createCipheriv, randomBytes } from 'node:crypto';
import { IV_BYTES, keyOf, signatureDigest } from '../protocol/crypto.js';

/** base64(iv ‖ AES-256-CBC(PKCS#7)(plaintext)), the `encrypt` field of an encrypted push. */
export function encryptPayload(plaintext: string, key: Buffer | string, iv: Buffer = randomBytes(IV_BYTES)): string {
  const cipher = createCipheriv('aes-256-cbc', keyOf(key), iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

/** X-Lark-Signature = hex(sha256(timestamp + nonce + encrypt_key + raw body bytes)). */
export function computeSignature(
  timestamp: string,
  nonce: string,
  encryptKey: string,
  rawBody: Buffer | string,
): string {
  return signatureDigest(timestamp, nonce, encryptKey, rawBody).toString('hex');
}
