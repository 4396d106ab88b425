// Feishu's event-subscription crypto, both directions (the bot decrypts and verifies; the emulator
// encrypts and signs). Doc: "步骤三：接收事件" (event-subscription-guide / encrypt-key-encryption-configuration-case).
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const IV_BYTES = 16;

/** AES-256 key = SHA-256 of the encrypt key as configured in the developer console. */
function aesKey(encryptKey: string): Buffer {
  // One encrypt key per process in practice: derive it once, not on every event.
  if (cachedKey?.encryptKey !== encryptKey) cachedKey = { encryptKey, key: createHash('sha256').update(encryptKey, 'utf8').digest() };
  return cachedKey.key;
}
let cachedKey: { encryptKey: string; key: Buffer } | undefined;

/** base64(iv ‖ AES-256-CBC(PKCS#7)(plaintext)), the `encrypt` field of an encrypted push. */
export function encryptPayload(plaintext: string, encryptKey: string, iv: Buffer = randomBytes(IV_BYTES)): string {
  const cipher = createCipheriv('aes-256-cbc', aesKey(encryptKey), iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

/** Inverse of encryptPayload; throws on anything that is not a well-formed ciphertext for this key. */
export function decryptPayload(encrypted: string, encryptKey: string): string {
  const bytes = Buffer.from(encrypted, 'base64');
  if (bytes.length < IV_BYTES * 2 || (bytes.length - IV_BYTES) % 16 !== 0) {
    throw new Error('encrypted payload has an invalid length');
  }
  const decipher = createDecipheriv('aes-256-cbc', aesKey(encryptKey), bytes.subarray(0, IV_BYTES));
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES)), decipher.final()]).toString('utf8');
}

/** X-Lark-Signature = hex(sha256(timestamp + nonce + encrypt_key + raw body bytes)). */
export function computeSignature(timestamp: string, nonce: string, encryptKey: string, rawBody: Buffer | string): string {
  return createHash('sha256')
    .update(timestamp + nonce + encryptKey, 'utf8')
    .update(rawBody)
    .digest('hex');
}

/** Constant-time comparison of a received signature with the expected one. */
export function signatureMatches(expectedHex: string, receivedHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'utf8');
  const received = Buffer.from(receivedHex.toLowerCase(), 'utf8');
  return expected.length === received.length && timingSafeEqual(expected, received);
}

/** The three headers Feishu sends with a signed push. */
export const SIGNATURE_HEADERS = {
  timestamp: 'x-lark-request-timestamp',
  nonce: 'x-lark-request-nonce',
  signature: 'x-lark-signature',
} as const;
