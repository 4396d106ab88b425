// The lookup's free/busy part of the handler, with its ports implemented in the test and a fixed clock: what it
// asks (the rest of the day in the zone, alongside the details) and what the card then says.
import { describe, expect, it } from 'vitest';
import { createRoomBot } from '../../src/bot/handler.js';
import type {
  Card,
  FreeBusyInstance,
  LookupOptions,
  RoomCalendar,
  RoomDetails,
  RoomDirectory,
  TimeWindow,
} from '../../src/bot/ports.js';
import { renderCardAsText } from '../../src/local/render-text.js';
import { FeishuApiError } from '../../src/errors.js';
import type { CardActionEvent } from '../../src/protocol/events.js';
import { captureLogs } from '../helpers/log-capture.js';
import { CONFIGURED_LIMITS } from '../helpers/configured.js';

const ROOM: RoomDetails = { room_id: 'omm_1', name: 'Everest', capacity: 8, is_disabled: false };

interface Asked {
  roomIds: readonly string[];
  window: TimeWindow;
  options: LookupOptions | undefined;
}

/** A bot whose directory knows `test01` → omm_1 and whose details answer only once free/busy has been asked. */
function botAt(now: string, answer: (asked: Asked) => Promise<Map<string, FreeBusyInstance[]>>) {
  const asked: Asked[] = [];
  let freeBusyAsked: () => void = () => {};
  const freeBusyWasAsked = new Promise<void>((resolve) => (freeBusyAsked = resolve));
  const directory: RoomDirectory = {
    findRoomIds: async () => new Map([['test01', ROOM.room_id]]),
    // Would never answer if free/busy were asked only after the details.
    getRoomDetails: async () => {
      await freeBusyWasAsked;
      return new Map([[ROOM.room_id, ROOM]]);
    },
  };
  const calendar: RoomCalendar = {
    getFreeBusy: (roomIds, window, options) => {
      asked.push({ roomIds, window, options });
      freeBusyAsked();
      return answer({ roomIds, window, options });
    },
  };
  const logs = captureLogs();
  const bot = createRoomBot({
    directory,
    calendar,
    timeZone: 'Asia/Shanghai',
    clock: () => Date.parse(now),
    messenger: { replyWithCard: async () => ({}) },
    limits: CONFIGURED_LIMITS,
    access: { allowExternalSenders: false, allowedChatIds: new Set() },
    botIdentity: () => undefined,
    logger: logs.logger,
  });
  return { bot, asked, logs };
}

const refreshClick: CardActionEvent = {
  operator: { open_id: 'ou_1' },
  action: { tag: 'button', value: { action: 'refresh', ids: ['test01'] } },
  context: { open_message_id: 'om_1' },
};

async function refreshedCard(bot: ReturnType<typeof botAt>['bot']): Promise<string> {
  const response = await bot.handleCardAction(refreshClick);
  return renderCardAsText(response.card!.data as Card, 'en_us');
}

describe('lookup: free/busy', () => {
  it('asks for the rest of the day in the configured zone, alongside the details, bypassing caches on Refresh', async () => {
    const { bot, asked } = botAt(
      '2025-03-10T23:50:00+08:00',
      async () =>
        new Map([
          [
            ROOM.room_id,
            [
              {
                start_time: '2025-03-10T23:30:00+08:00',
                end_time: '2025-03-11T00:30:00+08:00',
                organizer_info: { name: '张伟' },
              },
            ],
          ],
        ]),
    );
    const text = await refreshedCard(bot);
    expect(asked).toEqual([
      {
        roomIds: [ROOM.room_id],
        window: { from: Date.parse('2025-03-10T23:50:00+08:00'), to: Date.parse('2025-03-11T00:00:00+08:00') },
        options: { bypassCache: true },
      },
    ]);
    expect(text).toContain('🔴 Busy for the rest of the day · booked by 张伟');
    expect(text).toContain('Free/busy as of 23:50 (Asia/Shanghai time)');
  });

  it('just after midnight speaks of the new day', async () => {
    const { bot, asked } = botAt(
      '2025-03-11T00:05:00+08:00',
      async () =>
        new Map([[ROOM.room_id, [{ start_time: '2025-03-10T23:30:00+08:00', end_time: '2025-03-11T00:30:00+08:00' }]]]),
    );
    expect(await refreshedCard(bot)).toContain('🔴 Busy until 00:30');
    expect(asked[0]!.window.to).toBe(Date.parse('2025-03-12T00:00:00+08:00'));
  });

  it('a failure to read free/busy still answers with the room, logged once with what Feishu said', async () => {
    const { bot, logs } = botAt('2025-03-10T10:00:00+08:00', () =>
      Promise.reject(
        new FeishuApiError(
          'rate_limited',
          'meeting_room.freebusy.batch_get',
          99991400,
          'request trigger frequency limit',
          'log1',
          429,
        ),
      ),
    );
    const response = await bot.handleCardAction(refreshClick);
    expect(response.toast?.type).toBe('success');
    const text = renderCardAsText(response.card!.data as Card, 'en_us');
    expect(text).toContain('Everest');
    expect(text).toContain('Free/busy could not be loaded right now');
    expect(
      logs.find({ msg: 'room free/busy unavailable; replying without it', code: 99991400, log_id: 'log1' }),
    ).toHaveLength(1);
  });
});
