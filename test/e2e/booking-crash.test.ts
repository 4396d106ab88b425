// kill -9 in the middle of a booking: after the event is created and before the room is added. The booking
// is a job in the intake journal, so the restarted process finishes it; the event's idempotency_key makes its
// creation answer the same event, so exactly one event is left, with the room booked, and the card says so.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Card } from '../../src/bot/ports.js';
import { startEmulator, type Emulator, type JsonObject } from '../../src/emulator/index.js';
import { renderCardAsText } from '../../src/local/render-text.js';
import { botEnv, startBotProcess, type BotProcess } from '../helpers/bot-process.js';
import { APP } from '../helpers/stack.js';

let emulator: Emulator | undefined;
let bots: BotProcess[] = [];
afterEach(async () => {
  await Promise.all(bots.map((bot) => bot.kill9()));
  bots = [];
  await emulator?.close();
  emulator = undefined;
});

function middayZone(now = Date.now()): string {
  const offsetHours = 12 - new Date(now).getUTCHours();
  return offsetHours === 0 ? 'Etc/GMT' : `Etc/GMT${offsetHours > 0 ? '-' : '+'}${Math.abs(offsetHours)}`;
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function bookValue(card: unknown): Record<string, unknown> {
  const match = /"value":(\{"action":"book"[^}]*\})/.exec(JSON.stringify(card));
  if (!match) throw new Error('no Book button on the card');
  return JSON.parse(match[1]!) as Record<string, unknown>;
}

describe('booking across kill -9', () => {
  it('killed between creating the event and adding the room: after restart, exactly one event, booked', async () => {
    emulator = await startEmulator({ ...APP, retryDelaysMs: [] });
    const dataDir = mkdtempSync(join(tmpdir(), 'roombot-booking-crash-'));
    const env = { DATA_DIR: dataDir, ROOM_TIMEZONE: middayZone(), QUEUE_RETRY_BASE_DELAY_MS: '200' };
    const first = await startBotProcess(botEnv(emulator, env));
    bots.push(first);
    emulator.setEventTargets(`${first.url}/webhook/event`, `${first.url}/webhook/card`);

    await emulator.sendMessage({ text: '/room BJ-A-0301' });
    const [reply] = await emulator.waitForReplies(1, 8_000);
    // The room cannot be added until the crash: the event exists, the room is not on it.
    emulator.faults.inject({ api: 'attendee_create', kind: 'http_500', times: Infinity });
    const click = await emulator.clickCardButton({ messageId: reply!.replyMessageId, value: bookValue(reply!.card) });
    expect(click.response?.toast?.content).toContain('Booking BJ-A-0301');
    await until(() => emulator!.requests.some((r) => r.api === 'attendee_create'), 8_000);
    expect(emulator.calendar.list()).toHaveLength(1);
    expect(emulator.calendar.list()[0]!.attendees).toHaveLength(0);
    await first.kill9();

    emulator.faults.clear();
    const second = await startBotProcess(botEnv(emulator, env));
    bots.push(second);
    const settled = (card: JsonObject) => /[✅❌]/.test(renderCardAsText(card as Card, 'en_us'));
    const card = await emulator.waitForCard(reply!.replyMessageId, settled, 20_000);
    expect(renderCardAsText(card as Card, 'en_us')).toContain('✅');
    const events = emulator.calendar.list();
    expect(events).toHaveLength(1);
    expect(events[0]!.deleted).toBe(false);
    expect(events[0]!.attendees.filter((a) => a.type === 'resource')).toEqual([
      expect.objectContaining({ rsvp_status: 'accept' }),
    ]);
  }, 60_000);
});
