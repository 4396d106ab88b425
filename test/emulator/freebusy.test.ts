// meeting_room freebusy/batch_get in the emulator, driven by the real SDK over HTTP: the doc's answer shape,
// seeded bookings placed relative to the current time, and Feishu's strictness about its parameters.
import * as lark from '@larksuiteoapi/node-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { formatRfc3339, parseRfc3339 } from '../../src/emulator/api/rfc3339.js';
import { loadRoomSeed, parseRooms, type Emulator } from '../../src/emulator/index.js';
import { placeBookings } from '../../src/emulator/rooms.js';
import {
  failureOf,
  fetchTenantToken,
  repeatKeys,
  sdkClient,
  startTestEmulator,
  type TestApp,
} from '../helpers/emulator.js';

const TEST01 = 'omm_eada1d61a550955240c28757e7dec3af';
const TEST02 = 'omm_83d09ad4f6896e02029a6a075f71c9d1';
/** The emulator's clock in these tests: 10:07 in Shanghai, so bookings sit on the 10:00 quarter hour. */
const NOW = Date.parse('2025-03-10T10:07:00+08:00');

interface FreeBusyBody {
  code: number;
  msg: string;
  data: {
    time_min: string;
    time_max: string;
    free_busy: Record<string, Array<Record<string, unknown>>>;
    error_room_ids: string[];
  };
}

let emulator: (Emulator & { app: TestApp }) | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function freeBusyClient(now = NOW) {
  emulator = await startTestEmulator({ now: () => now });
  const client = sdkClient(emulator, emulator.app, { disableTokenCache: true });
  const token = await fetchTenantToken(client, emulator.app);
  const get = (params: Record<string, string | readonly string[]>, serialize = true) =>
    client.request<FreeBusyBody>(
      {
        method: 'GET',
        url: '/open-apis/meeting_room/freebusy/batch_get',
        params,
        ...(serialize ? { paramsSerializer: { serialize: repeatKeys } } : {}),
      },
      lark.withTenantToken(token),
    );
  return { emulator, get };
}

const DAY = { time_min: '2025-03-10T10:07:00+08:00', time_max: '2025-03-11T00:00:00+08:00' };

describe('meeting_room freebusy/batch_get', () => {
  it("answers in the doc's shape: the span echoed, bookings by room_id with times at +08:00, organizer_info", async () => {
    const { get } = await freeBusyClient();
    const body = await get({ room_ids: [TEST01, TEST02], ...DAY });
    expect(body).toMatchObject({ code: 0, msg: 'success', data: { ...DAY, error_room_ids: [] } });
    expect(body.data.free_busy[TEST01]).toEqual([
      {
        start_time: '2025-03-10T09:30:00+08:00',
        end_time: '2025-03-10T11:00:00+08:00',
        uid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        original_time: 0,
        organizer_info: { name: '张伟', open_id: expect.stringMatching(/^ou_[0-9a-f]{32}$/) },
      },
      expect.objectContaining({
        start_time: '2025-03-10T12:00:00+08:00',
        end_time: '2025-03-10T13:00:00+08:00',
        organizer_info: expect.objectContaining({ name: 'Alex Chen' }),
      }),
    ]);
    expect(body.data.free_busy[TEST02]).toEqual([
      expect.objectContaining({ start_time: '2025-03-10T11:30:00+08:00', end_time: '2025-03-10T12:30:00+08:00' }),
    ]);
  });

  it('leaves out rooms without bookings in the span, lists unknown rooms in error_room_ids', async () => {
    const { emulator, get } = await freeBusyClient();
    const quiet = emulator.rooms.byCustomRoomId('SZ-C-0201')!.room_id;
    const body = await get({ room_ids: [quiet, 'omm_00000000000000000000000000000000'], ...DAY });
    expect(body.data.free_busy).toEqual({});
    expect(body.data.error_room_ids).toEqual(['omm_00000000000000000000000000000000']);
  });

  it('returns only the bookings that overlap [time_min, time_max]', async () => {
    const { get } = await freeBusyClient();
    const afterFirst = await get({
      room_ids: [TEST01],
      time_min: '2025-03-10T11:00:00+08:00',
      time_max: '2025-03-10T12:00:00+08:00',
    });
    expect(afterFirst.data.free_busy).toEqual({});
    const overlapping = await get({
      room_ids: [TEST01],
      time_min: '2025-03-10T10:59:00+08:00',
      time_max: '2025-03-10T12:00:01+08:00',
    });
    expect(overlapping.data.free_busy[TEST01]).toHaveLength(2);
  });

  it('gives private bookings and bookings made by apps no organizer_info', async () => {
    const { emulator, get } = await freeBusyClient();
    const privateRoom = emulator.rooms.byCustomRoomId('BJ-A-0101')!.room_id;
    const appRoom = emulator.rooms.byCustomRoomId('BJ-A-0102')!.room_id;
    const body = await get({ room_ids: [privateRoom, appRoom], ...DAY });
    for (const roomId of [privateRoom, appRoom]) {
      expect(body.data.free_busy[roomId]).toHaveLength(1);
      expect(body.data.free_busy[roomId]![0]).not.toHaveProperty('organizer_info');
    }
  });

  it('is as strict as Feishu: repeated room_ids only, at most 20, both times required', async () => {
    const { get } = await freeBusyClient();
    expect(await failureOf(get({ room_ids: [TEST01, TEST02], ...DAY }, false))).toMatchObject({
      status: 400,
      code: 99992402,
    });
    const twentyOne = Array.from({ length: 21 }, (_, i) => `omm_${String(i).padStart(32, '0')}`);
    expect(await failureOf(get({ room_ids: twentyOne, ...DAY }))).toMatchObject({ status: 400, code: 99992402 });
    expect((await get({ room_ids: twentyOne.slice(0, 20), ...DAY })).code).toBe(0);
    expect(await failureOf(get({ room_ids: [TEST01], time_min: DAY.time_min }))).toMatchObject({
      status: 400,
      code: 99992402,
    });
    expect(await failureOf(get({ room_ids: [TEST01], time_max: DAY.time_max }))).toMatchObject({
      status: 400,
      code: 99992402,
    });
  });

  it('refuses times that are not RFC 3339 with 100003, and time_max before time_min', async () => {
    const { get } = await freeBusyClient();
    for (const bad of [
      '2025-03-10 10:00:00+08:00',
      '2025-03-10T10:00:00',
      '2025-02-30T10:00:00Z',
      '2025-03-10T24:00:00Z',
      '1741572000',
      '2025-03-10t10:00:00z',
    ]) {
      expect(await failureOf(get({ room_ids: [TEST01], time_min: bad, time_max: DAY.time_max })), bad).toMatchObject({
        status: 400,
        code: 100003,
        msg: 'time format must follow RFC3339 standard',
      });
    }
    expect(await failureOf(get({ room_ids: [TEST01], time_min: DAY.time_max, time_max: DAY.time_min }))).toMatchObject({
      status: 400,
      code: 99992402,
    });
    expect((await get({ room_ids: [TEST01], time_min: DAY.time_min, time_max: DAY.time_min })).code).toBe(0);
  });
});

describe('faults', () => {
  it("can be aimed at it by the name 'freebusy', leaving the other room APIs alone", async () => {
    const { emulator, get } = await freeBusyClient();
    emulator.faults.inject({
      api: 'freebusy',
      kind: 'error',
      code: 99991672,
      msg: 'Access denied. One of the following scopes is required: [calendar:room:readonly]',
    });
    expect(await failureOf(get({ room_ids: [TEST01], ...DAY }))).toMatchObject({ status: 400, code: 99991672 });
    expect((await get({ room_ids: [TEST01], ...DAY })).code).toBe(0);
    expect(emulator.requests.filter((r) => r.api === 'freebusy').map((r) => r.fault ?? 'none')).toEqual([
      'error',
      'none',
    ]);
  });
});

describe('seeded bookings', () => {
  it('always leave test01 busy now and test02 free now, whatever the time', () => {
    const seed = loadRoomSeed();
    const test01 = seed.find((room) => room.custom_room_id === 'test01')!;
    const test02 = seed.find((room) => room.custom_room_id === 'test02')!;
    const busyAt = (bookings: ReturnType<typeof placeBookings>, now: number) =>
      bookings.some((b) => b.start <= now && now < b.end);
    for (let now = NOW; now < NOW + 24 * 3_600_000; now += 7 * 60_000) {
      expect(busyAt(placeBookings(test01, now), now)).toBe(true);
      expect(busyAt(placeBookings(test02, now), now)).toBe(false);
      expect(placeBookings(test02, now).some((b) => b.start > now)).toBe(true);
    }
  });

  it('are validated: an end before the start is refused, naming the field', () => {
    const room = loadRoomSeed()[0]!;
    expect(() => parseRooms([{ ...room, bookings: [{ start_minutes: 30, end_minutes: 0 }] }])).toThrow(
      /rooms\[0\]\.bookings\[0\]\.end_minutes/,
    );
  });
});

describe('RFC 3339', () => {
  it('reads date-times with Z or an offset, and fractions of a second', () => {
    expect(parseRfc3339('2019-09-04T08:45:00+08:00')).toBe(Date.parse('2019-09-04T00:45:00Z'));
    expect(parseRfc3339('2019-09-04T00:45:00Z')).toBe(Date.parse('2019-09-04T00:45:00Z'));
    expect(parseRfc3339('2019-09-04T00:45:00.250-01:30')).toBe(Date.parse('2019-09-04T02:15:00.250Z'));
    expect(parseRfc3339('2024-02-29T00:00:00Z')).toBe(Date.parse('2024-02-29T00:00:00Z'));
  });

  it('refuses what is not one, where Date.parse would guess', () => {
    for (const text of [
      '2023-02-29T00:00:00Z',
      '2019-09-04T08:45:00',
      '2019-09-04',
      '2019-09-04T08:45Z',
      '2019-09-04T08:45:00+0800',
      '2019-09-04T08:45:00+24:00',
      ' 2019-09-04T08:45:00Z',
    ]) {
      expect(parseRfc3339(text), text).toBeUndefined();
    }
  });

  it('writes at a fixed offset, whole seconds', () => {
    expect(formatRfc3339(Date.parse('2021-04-26T16:00:00.900Z'), 480)).toBe('2021-04-27T00:00:00+08:00');
    expect(formatRfc3339(Date.parse('2021-04-26T16:00:00Z'), -330)).toBe('2021-04-26T10:30:00-05:30');
  });
});
