// The local mode a developer uses: the terminal chat (driven through streams) and the curl path (the
// emulator's control API), both against the real bot over real HTTP.
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { accessPolicy } from '../../src/bot/triage.js';
import { startChat } from '../../src/local/chat.js';
import { startStack, waitForBotIdentity, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  // a zone where it is about noon now, so that free rooms have Book buttons whenever the tests run
  const offsetHours = 12 - new Date().getUTCHours();
  const zone = offsetHours === 0 ? 'Etc/GMT' : `Etc/GMT${offsetHours > 0 ? '-' : '+'}${Math.abs(offsetHours)}`;
  stack = await startStack({ env: { ROOM_TIMEZONE: zone } });
});
afterAll(async () => {
  await stack.close();
});

interface DrivenChat {
  /** Types a line and resolves with everything printed until `until` shows up (the prompt by default). */
  type(line: string, until?: string): Promise<string>;
  /** Resolves with what was printed from now until `text` shows up. */
  waitFor(text: string): Promise<string>;
  close(): void;
}

/** The chat on streams instead of a terminal; output is not a TTY, so no ANSI unless asked. */
function driveChat(options: { ansi?: boolean; replyTimeoutMs?: number; isTTY?: boolean } = {}): DrivenChat {
  const input = new PassThrough();
  const output = Object.assign(new PassThrough(), options.isTTY ? { isTTY: true, columns: 120 } : {});
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  // a reply timeout far above the test timeout: a chat that waited for a reply it will not get hangs the test
  const rl = startChat(stack.emulator, {
    limits: stack.config.lookup,
    access: accessPolicy(stack.config.access),
    input,
    output,
    replyTimeoutMs: options.replyTimeoutMs ?? 120_000,
    ...(options.ansi !== undefined ? { ansi: options.ansi } : {}),
  });
  function printedUntil(text: string, from: number): Promise<string> {
    return new Promise((resolve) => {
      const check = () => {
        const index = printed.indexOf(text, from);
        if (index === -1) return;
        output.off('data', check);
        resolve(printed.slice(from, index + text.length));
      };
      output.on('data', check);
      check();
    });
  }
  return {
    type(line, until = 'you> ') {
      const from = printed.length;
      input.write(`${line}\n`);
      return printedUntil(until, from);
    },
    waitFor: (text) => printedUntil(text, printed.length),
    close: () => rl.close(),
  };
}

let chat: DrivenChat | undefined;
afterEach(() => chat?.close());

describe('local chat', () => {
  it('shows the card of a /room command as terminal text: no ** or backticks', async () => {
    chat = driveChat();
    const shown = await chat.type('/room test01 nosuchroom');
    expect(shown).toMatch(/│ .*1 found, 1 not found/);
    expect(shown).toMatch(/│ test01 → omm_\w+/);
    expect(shown).toContain('[Refresh]');
    for (const markup of ['**', '`', '\u001b']) expect(shown).not.toContain(markup);
  });

  it('bold is ANSI bold when the output is a terminal', async () => {
    chat = driveChat({ isTTY: true });
    const shown = await chat.type('/room test01');
    expect(shown).toContain('\u001b[1m1\u001b[22m found');
  });

  it('in a group: answers @RoomBot and /room, and says at once when a message gets no answer', async () => {
    await waitForBotIdentity(stack.bot);
    chat = driveChat();
    expect(await chat.type(':group')).toContain(
      '(now sending in a group: @RoomBot mentions the bot, e.g. @RoomBot test01; /room commands need no mention)',
    );
    const deliveries = stack.emulator.deliveries.length;
    const shown = await chat.type('hello everyone');
    expect(shown).toContain(
      '(the bot answers group messages that @mention it (@RoomBot) or start with /room; this one does neither)',
    );
    expect(stack.emulator.deliveries.length).toBe(deliveries + 1); // it was sent, and acknowledged
    expect(stack.emulator.deliveries.at(-1)?.acknowledged).toBe(true);
    expect(await chat.type('@Alice test01')).toContain('this one does neither');
    // the typed @RoomBot is a mention of the bot (by its open_id: see the emulator's typedMentions tests)
    expect(await chat.type('@RoomBot test01')).toMatch(/│ test01 → omm_/);
    expect(await chat.type('@RoomBot')).toMatch(/│ .*@RoomBot \/room test01/); // the help card, in its group form
    // a command in the group is answered without a mention
    expect(await chat.type('/room test02')).toMatch(/│ test02 → omm_/);
    expect(await chat.type(':p2p')).toContain('(now sending in the one-to-one chat with the bot)');
    expect(await chat.type('hello')).toMatch(/│ .*\/room/); // p2p chatter gets the help card
  });

  it('confirms :zh / :en and shows cards in that language', async () => {
    chat = driveChat();
    expect(await chat.type(':zh')).toContain('(cards now shown in 简体中文)');
    expect(await chat.type('/room test01')).toContain('找到 1 个');
    expect(await chat.type(':en')).toContain('(cards now shown in English)');
    expect(await chat.type('/room test01')).toContain('1 found');
  });

  it('refuses an unknown : command with the list of commands, and sends nothing', async () => {
    chat = driveChat();
    const deliveries = stack.emulator.deliveries.length;
    expect(await chat.type(':foo')).toContain(
      '(unknown command :foo; the commands are :group :p2p :zh :en :tenant :refresh :click :help :quit)',
    );
    expect(stack.emulator.deliveries.length).toBe(deliveries);
  });

  it(':refresh clicks Refresh on the last card and shows the new card', async () => {
    chat = driveChat();
    expect(await chat.type(':refresh')).toContain('(no card yet)');
    await chat.type('/room test01');
    expect(await chat.type(':refresh')).toMatch(/│ test01 → omm_/);
  });

  it(':click lists the buttons of the last card, :click N clicks one, and the card shows as it is patched', async () => {
    chat = driveChat();
    await chat.type('/room SZ-C-0801');
    const listed = await chat.type(':click');
    expect(listed).toContain('1. [Book 30 min]');
    expect(listed).toContain('3. [Refresh]');
    const clicked = await chat.type(':click 1');
    expect(clicked).toContain('(toast: Booking SZ-C-0801…)');
    expect(await chat.waitFor('✅')).toBeTruthy();
    expect(await chat.type(':click')).toContain('1. [Cancel booking]');
  });

  it('a reply slower than the wait is shown when it comes', async () => {
    chat = driveChat({ replyTimeoutMs: 50 });
    stack.emulator.faults.inject({ api: 'reply', kind: 'latency', latencyMs: 500 });
    expect(await chat.type('/room test01')).toContain('(no reply within 0.05 s; it will show here when it comes)');
    expect(await chat.waitFor('you> ')).toMatch(/│ test01 → omm_\w+[^]*you> $/); // the card, then the prompt again
  });
});

describe('the curl path (the control API)', () => {
  it('POST a message, then GET its replies with wait: the card, not []', async () => {
    const posted = await fetch(`${stack.emulator.url}/_emulator/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: '/room test01' }),
    });
    const { message_id: messageId, replies: repliesPath } = (await posted.json()) as {
      message_id: string;
      replies: string;
    };
    const answer = (await (await fetch(`${stack.emulator.url}${repliesPath}`)).json()) as {
      replies: Array<{ parentMessageId: string; content: string }>;
    };
    expect(answer.replies).toHaveLength(1);
    expect(answer.replies[0]!.parentMessageId).toBe(messageId);
    expect(answer.replies[0]!.content).toContain('test01');
  });
});
