// The emulator's chat state: messages users sent (so replies can name their chat), the bot's replies
// in order, reply idempotency by uuid (回复消息: same uuid → at most one message per hour), card updates.
import { EventEmitter } from 'node:events';
import { newId } from './ids.js';

export type JsonObject = Record<string, unknown>;

/** A message the emulator knows: sent by a user through the emulator, or a reply by the bot. */
export interface KnownMessage {
  messageId: string;
  chatId: string;
  chatType: 'p2p' | 'group';
  /** Root of the reply tree this message belongs to (absent for a root message). */
  rootId?: string;
  threadId?: string;
  /** The tenant the message was sent in (a store app is installed in several). */
  tenantKey?: string;
}

/** One reply the bot posted (accepted by POST /open-apis/im/v1/messages/:message_id/reply). */
export interface RecordedReply {
  replyMessageId: string;
  /** The message replied to (the user's message). */
  parentMessageId: string;
  rootId: string;
  chatId: string;
  msgType: string;
  /** `content` exactly as sent (a JSON string); after a card update, the new card's JSON. */
  content: string;
  /** For msg_type "interactive": the card object; replaced in place when a card callback returns a raw card. */
  card?: JsonObject;
  uuid?: string;
  replyInThread: boolean;
  /** When it was accepted (ms since epoch). */
  at: number;
  /** How many times the card was replaced by a callback response. */
  cardUpdates: number;
  /** The message object returned to the bot (data of the reply response). */
  message: JsonObject;
}

export interface NewReply {
  parent: KnownMessage;
  msgType: string;
  content: string;
  card?: JsonObject;
  uuid?: string;
  replyInThread: boolean;
  sender: JsonObject;
}

const UUID_WINDOW_MS = 60 * 60 * 1000;

export class MessageStore {
  readonly replies: RecordedReply[] = [];
  private readonly known = new Map<string, KnownMessage>();
  private readonly byUuid = new Map<string, RecordedReply>();
  private readonly events = new EventEmitter();

  constructor(private readonly now: () => number) {}

  remember(message: KnownMessage): void {
    this.known.set(message.messageId, message);
  }

  find(messageId: string): KnownMessage | undefined {
    return this.known.get(messageId);
  }

  /** The reply already posted with this uuid within the last hour, if any. */
  replyWithUuid(uuid: string): RecordedReply | undefined {
    const reply = this.byUuid.get(uuid);
    return reply && this.now() - reply.at < UUID_WINDOW_MS ? reply : undefined;
  }

  /** Records a new reply and returns it; synchronous, so two racing requests with one uuid cannot both pass. */
  addReply(input: NewReply): RecordedReply {
    const at = this.now();
    const replyMessageId = newId('om');
    const rootId = input.parent.rootId ?? input.parent.messageId;
    const threadId = input.parent.threadId ?? (input.replyInThread ? newId('omt') : undefined);
    const message: JsonObject = {
      message_id: replyMessageId,
      root_id: rootId,
      parent_id: input.parent.messageId,
      ...(threadId ? { thread_id: threadId } : {}),
      msg_type: input.msgType,
      create_time: String(at),
      update_time: String(at),
      deleted: false,
      updated: false,
      chat_id: input.parent.chatId,
      sender: input.sender,
      body: { content: input.content },
    };
    const reply: RecordedReply = {
      replyMessageId,
      parentMessageId: input.parent.messageId,
      rootId,
      chatId: input.parent.chatId,
      msgType: input.msgType,
      content: input.content,
      ...(input.card ? { card: input.card } : {}),
      ...(input.uuid !== undefined ? { uuid: input.uuid } : {}),
      replyInThread: input.replyInThread,
      at,
      cardUpdates: 0,
      message,
    };
    this.replies.push(reply);
    if (input.uuid !== undefined) this.byUuid.set(input.uuid, reply);
    this.remember({
      messageId: replyMessageId,
      chatId: input.parent.chatId,
      chatType: input.parent.chatType,
      rootId,
      ...(threadId ? { threadId } : {}),
      ...(input.parent.tenantKey !== undefined ? { tenantKey: input.parent.tenantKey } : {}),
    });
    this.events.emit('reply', reply);
    return reply;
  }

  repliesTo(parentMessageId: string): RecordedReply[] {
    return this.replies.filter((reply) => reply.parentMessageId === parentMessageId);
  }

  reply(replyMessageId: string): RecordedReply | undefined {
    return this.replies.find((reply) => reply.replyMessageId === replyMessageId);
  }

  /** Replaces the card of a reply (a card callback answered with card {type:"raw", data}). */
  updateCard(replyMessageId: string, card: JsonObject): void {
    const reply = this.reply(replyMessageId);
    if (!reply) throw new Error(`no reply ${replyMessageId} to update`);
    reply.card = card;
    reply.content = JSON.stringify(card);
    reply.cardUpdates += 1;
    this.events.emit('cardUpdate', reply);
  }

  /** Told of every card replaced (a callback's answer or a PATCH). */
  onCardUpdate(listener: (reply: RecordedReply) => void): () => void {
    this.events.on('cardUpdate', listener);
    return () => this.events.off('cardUpdate', listener);
  }

  onReply(listener: (reply: RecordedReply) => void): () => void {
    this.events.on('reply', listener);
    return () => this.events.off('reply', listener);
  }

  /** Resolves with all replies once there are at least `count`; rejects after `timeoutMs` saying what arrived. */
  waitForReplies(count: number, timeoutMs: number): Promise<RecordedReply[]> {
    if (this.replies.length >= count) return Promise.resolve([...this.replies]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(
          new Error(
            `expected ${count} repl${count === 1 ? 'y' : 'ies'} within ${timeoutMs} ms, got ${this.replies.length}`,
          ),
        );
      }, timeoutMs);
      const stop = this.onReply(() => {
        if (this.replies.length < count) return;
        clearTimeout(timer);
        stop();
        resolve([...this.replies]);
      });
    });
  }
}
