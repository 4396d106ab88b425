// A pool of signed, encrypted im.message.receive_v1 pushes, built before the timed runs (and grown only
// between them) so the load generator merely picks the next one: its own crypto would otherwise
// compete with the servers for the CPU. Every push has its own message_id, event_id, IV, nonce and
// signature, as Feishu would send it. Stored off-heap in a few large buffers per chunk: 100k small
// strings in the generator's heap made its garbage collector, not the servers, set the pace.
import { randomBytes } from 'node:crypto';
import type { TenantIdentity } from '../../src/emulator/index.js';
import { buildMessageEvent, type MessageInput } from '../../src/emulator/events/envelopes.js';
import { computeSignature, encryptPayload, SIGNATURE_HEADERS } from '../../src/feishu/crypto.js';

/**
 * What the ack-path events say: a group message that does not mention the bot. The bot verifies,
 * decrypts, de-duplicates (a mark per message_id) and queues it, and its handler ignores it without
 * any Feishu call, so the figures are the webhook's own cost ("verified + decrypted + recorded + 200").
 */
export const CHATTER: MessageInput = { text: 'lunch at noon? the usual place', chatType: 'group', mentionBot: false };

const CHUNK = 10_000;
const NONCE_CHARS = 16;
const SIGNATURE_CHARS = 64;
const RANDOM_PER_PUSH = 40; // 16 bytes message_id, 16 event_id, 8 nonce

interface Chunk {
  bodies: Buffer;
  offsets: Uint32Array;
  nonces: Buffer;
  signatures: Buffer;
}

export class PushPool {
  private readonly chunks: Chunk[] = [];
  private readonly timestamp: string;
  private readonly template;

  constructor(
    identity: TenantIdentity,
    private readonly encryptKey: string,
    input: MessageInput = CHATTER,
  ) {
    const now = Date.now();
    this.timestamp = String(Math.floor(now / 1000));
    this.template = buildMessageEvent(identity, input, now).envelope;
  }

  get size(): number {
    return this.chunks.length * CHUNK;
  }

  /** Grows the pool to at least `count` pushes (never during a timed run). */
  ensure(count: number): void {
    while (this.size < count) this.chunks.push(this.buildChunk());
  }

  /** Body bytes of push i (a view, not a copy). */
  body(i: number): Buffer {
    const chunk = this.chunks[Math.floor(i / CHUNK)]!;
    const j = i % CHUNK;
    return chunk.bodies.subarray(chunk.offsets[j], chunk.offsets[j + 1]);
  }

  /** Content-Type and the three X-Lark-* signature headers of push i. */
  headers(i: number): Record<string, string> {
    const chunk = this.chunks[Math.floor(i / CHUNK)]!;
    const j = i % CHUNK;
    return {
      'content-type': 'application/json; charset=utf-8',
      [SIGNATURE_HEADERS.timestamp]: this.timestamp,
      [SIGNATURE_HEADERS.nonce]: chunk.nonces.toString('latin1', j * NONCE_CHARS, (j + 1) * NONCE_CHARS),
      [SIGNATURE_HEADERS.signature]: chunk.signatures.toString('latin1', j * SIGNATURE_CHARS, (j + 1) * SIGNATURE_CHARS),
    };
  }

  private buildChunk(): Chunk {
    const { template, encryptKey, timestamp } = this;
    const random = randomBytes(CHUNK * RANDOM_PER_PUSH);
    const bodies: Buffer[] = [];
    const offsets = new Uint32Array(CHUNK + 1);
    const nonces = Buffer.alloc(CHUNK * NONCE_CHARS);
    const signatures = Buffer.alloc(CHUNK * SIGNATURE_CHARS);
    for (let j = 0; j < CHUNK; j += 1) {
      const r = j * RANDOM_PER_PUSH;
      const envelope = {
        ...template,
        header: { ...template.header, event_id: random.toString('hex', r + 16, r + 32) },
        event: { ...template.event, message: { ...template.event.message, message_id: `om_${random.toString('hex', r, r + 16)}` } },
      };
      const body = Buffer.from(JSON.stringify({ encrypt: encryptPayload(JSON.stringify(envelope), encryptKey) }), 'utf8');
      const nonce = random.toString('hex', r + 32, r + 40);
      nonces.write(nonce, j * NONCE_CHARS, 'latin1');
      signatures.write(computeSignature(timestamp, nonce, encryptKey, body), j * SIGNATURE_CHARS, 'latin1');
      bodies.push(body);
      offsets[j + 1] = offsets[j]! + body.length;
    }
    return { bodies: Buffer.concat(bodies), offsets, nonces, signatures };
  }
}

/** Hands out pushes in order; a fresh cursor per server process, so each sees every message_id once. */
export class PushCursor {
  private next = 0;
  /** Pushes handed out again because the pool was used up (ours answers them as duplicates). */
  repeats = 0;

  constructor(readonly pool: PushPool) {}

  take(): number {
    const i = this.next++;
    if (i < this.pool.size) return i;
    this.repeats += 1;
    return i % this.pool.size;
  }

  get taken(): number {
    return this.next;
  }

  /** Makes sure the next `count` pushes are fresh (call between runs). */
  reserve(count: number): void {
    this.pool.ensure(this.next + count);
  }
}
