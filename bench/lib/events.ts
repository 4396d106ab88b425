// Pools of signed, encrypted im.message.receive_v1 pushes, built before the timed runs (and grown only
// between them) so the load generator merely picks the next one: its own crypto would otherwise
// compete with the servers for the CPU. Every push has its own message_id, event_id, IV, nonce and
// signature, as Feishu would send it, in compact JSON ({"encrypt":"…"}, as Feishu's). Stored off-heap in
// a few large buffers per chunk: 100k small strings in the generator's heap made its garbage collector,
// not the servers, set the pace.
import { randomBytes } from 'node:crypto';
import type { Emulator, TenantIdentity } from '../../src/emulator/index.js';
import { buildMessageEvent, type MessageInput } from '../../src/emulator/events/envelopes.js';
import { SIGNATURE_HEADERS } from '../../src/protocol/crypto.js';
import { computeSignature, encryptPayload } from '../../src/emulator/crypto.js';

/**
 * Group chatter that does not mention the bot: the bot verifies, decrypts, checks the token, parses and
 * answers 200 without a dedupe mark, a queue slot or any Feishu call ("verified + decrypted + 200").
 */
export const CHATTER: MessageInput = { text: 'lunch at noon? the usual place', chatType: 'group', mentionBot: false };

/** The envelope (plaintext) of push i; called once per push, while the pool grows. */
export type EnvelopeSource = (i: number) => object;

/** Chatter with a fresh message_id and event_id per push (the emulator need not know these messages). */
export function chatterEnvelopes(identity: TenantIdentity, input: MessageInput = CHATTER): EnvelopeSource {
  const template = buildMessageEvent(identity, input, Date.now()).envelope;
  return () => {
    const ids = randomBytes(32);
    return {
      ...template,
      header: { ...template.header, event_id: ids.toString('hex', 16, 32) },
      event: {
        ...template.event,
        message: { ...template.event.message, message_id: `om_${ids.toString('hex', 0, 16)}` },
      },
    };
  };
}

/**
 * p2p `/room <id>` commands, cycling over `roomIds`, each a message the emulator knows (createMessage
 * remembers it), so the bot's reply to it is accepted.
 */
export function commandEnvelopes(emulator: Emulator, roomIds: readonly string[]): EnvelopeSource {
  return (i) => emulator.createMessage({ text: `/room ${roomIds[i % roomIds.length]!}` }).envelope;
}

const CHUNK = 10_000;
const NONCE_CHARS = 16;
const SIGNATURE_CHARS = 64;
const NONCE_BYTES = NONCE_CHARS / 2;

interface Chunk {
  bodies: Buffer;
  offsets: Uint32Array;
  nonces: Buffer;
  signatures: Buffer;
}

export class PushPool {
  private readonly chunks: Chunk[] = [];
  private readonly timestamp = String(Math.floor(Date.now() / 1000));

  constructor(
    private readonly encryptKey: string,
    private readonly envelopeOf: EnvelopeSource,
  ) {}

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
      [SIGNATURE_HEADERS.signature]: chunk.signatures.toString(
        'latin1',
        j * SIGNATURE_CHARS,
        (j + 1) * SIGNATURE_CHARS,
      ),
    };
  }

  private buildChunk(): Chunk {
    const { encryptKey, timestamp } = this;
    const first = this.size;
    const random = randomBytes(CHUNK * NONCE_BYTES);
    const bodies: Buffer[] = [];
    const offsets = new Uint32Array(CHUNK + 1);
    const nonces = Buffer.alloc(CHUNK * NONCE_CHARS);
    const signatures = Buffer.alloc(CHUNK * SIGNATURE_CHARS);
    for (let j = 0; j < CHUNK; j += 1) {
      const envelope = this.envelopeOf(first + j);
      const body = Buffer.from(
        JSON.stringify({ encrypt: encryptPayload(JSON.stringify(envelope), encryptKey) }),
        'utf8',
      );
      const nonce = random.toString('hex', j * NONCE_BYTES, (j + 1) * NONCE_BYTES);
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
