// Feishu's event-subscription crypto as the bot needs it: decrypt and verify (the emulator's side, encrypt and
// sign, is src/emulator/crypto.ts). Doc: "步骤三：接收事件" (event-subscription-guide / encrypt-key-encryption-configuration-case).
import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';

export const IV_BYTES = 16;
const BLOCK_BYTES = 16;

/**
 * AES-256 key = SHA-256 of the encrypt key as configured in the developer console. Derive it once (where
 * the verifier is built) and pass the Buffer; a string is derived here, for the emulator and tests.
 */
export function aesKeyFor(encryptKey: string): Buffer {
  return createHash('sha256').update(encryptKey, 'utf8').digest();
}

export const keyOf = (key: Buffer | string): Buffer => (typeof key === 'string' ? aesKeyFor(key) : key);

/** base64(iv ‖ AES-256-CBC(PKCS#7)(plaintext)) decrypted with Node's own AES-256-CBC; throws on anything that is not a ciphertext for this key. */
export function decryptPayload(encrypted: string, key: Buffer | string): string {
  return decryptPayloadBytes(encrypted, key).toString('utf8');
}

/** decryptPayload's plaintext as its UTF-8 bytes (the verifier scans them before it decodes them). */
export function decryptPayloadBytes(encrypted: string, key: Buffer | string): Buffer {
  const bytes = Buffer.from(encrypted, 'base64');
  if (bytes.length < IV_BYTES + BLOCK_BYTES || (bytes.length - IV_BYTES) % BLOCK_BYTES !== 0) {
    throw new Error('encrypted payload has an invalid length');
  }
  const decipher = createDecipheriv('aes-256-cbc', keyOf(key), bytes.subarray(0, IV_BYTES));
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES)), decipher.final()]);
}

/** The signature as bytes: what a received X-Lark-Signature is checked against. */
export function signatureDigest(
  timestamp: string,
  nonce: string,
  encryptKey: string,
  rawBody: Buffer | string,
): Buffer {
  return createHash('sha256')
    .update(timestamp + nonce + encryptKey, 'utf8')
    .update(rawBody)
    .digest();
}

/** Constant-time comparison of a received signature (hex, either case) with the expected digest. */
export function signatureMatches(expected: Buffer, receivedHex: string): boolean {
  // hex decoding stops at the first non-hex character, so anything but 64 hex digits decodes short
  const received = Buffer.from(receivedHex, 'hex');
  return (
    receivedHex.length === expected.length * 2 &&
    received.length === expected.length &&
    timingSafeEqual(expected, received)
  );
}

/** The three headers Feishu sends with a signed push. */
export const SIGNATURE_HEADERS = {
  timestamp: 'x-lark-request-timestamp',
  nonce: 'x-lark-request-nonce',
  signature: 'x-lark-signature',
} as const;
