// The emulator's room directory: what meeting_room v1 batch_get_id / batch_get / freebusy/batch_get answer
// from. Seeded from rooms.seed.json (validated once), or from rooms a test passes in.
import { createHash } from 'node:crypto';
import { z } from 'zod';
// Imported, not read from disk: the build bundles it into the emulator's code, wherever that lands in dist/.
import seedFile from './rooms.seed.json' with { type: 'json' };

/**
 * A booking of a room, in minutes relative to the time it is asked about (see placeBookings), so that the
 * seed always has a room that is busy now and one that is free.
 */
const bookingSchema = z
  .object({
    start_minutes: z.number().int(),
    end_minutes: z.number().int(),
    /** Who booked it. Absent: Feishu names nobody (a booking made by an app). */
    organizer: z.string().min(1).optional(),
    /** A private booking: Feishu leaves its organizer out (查询会议室忙闲: 私密日程不返回该信息). */
    private: z.boolean().optional(),
  })
  .refine((booking) => booking.end_minutes > booking.start_minutes, {
    message: 'must be after start_minutes',
    path: ['end_minutes'],
  });

export type EmulatedBooking = z.infer<typeof bookingSchema>;

const roomSchema = z.object({
  custom_room_id: z.string().min(1),
  room_id: z.string().regex(/^omm_[0-9a-f]{32}$/, 'must be omm_ followed by 32 hex digits'),
  name: z.string(),
  capacity: z.number().int().nonnegative(),
  building_id: z.string().regex(/^omb_[0-9a-f]{32}$/, 'must be omb_ followed by 32 hex digits'),
  building_name: z.string(),
  floor_name: z.string(),
  description: z.string(),
  display_id: z.string(),
  is_disabled: z.boolean(),
  /** Booking needs an approver: an app cannot book it (添加日程参与人 fails at once). */
  needs_approval: z.boolean().optional(),
  bookings: z.array(bookingSchema).optional(),
});

/** One meeting room, with the fields of batch_get (查询会议室详情) plus its tenant-defined custom_room_id. */
export type EmulatedRoom = z.infer<typeof roomSchema>;

const roomListSchema = z.array(roomSchema).superRefine((rooms, ctx) => {
  for (const key of ['custom_room_id', 'room_id'] as const) {
    const seen = new Set<string>();
    rooms.forEach((room, index) => {
      if (seen.has(room[key]))
        ctx.addIssue({ code: 'custom', path: [index, key], message: `duplicate ${key} "${room[key]}"` });
      seen.add(room[key]);
    });
  }
});

const seedFileSchema = z.object({ rooms: roomListSchema });

/** Validates a list of rooms; throws an Error naming each bad field (e.g. "rooms[3].room_id: …"). */
export function parseRooms(rooms: unknown, source = 'rooms'): EmulatedRoom[] {
  const parsed = roomListSchema.safeParse(rooms);
  if (!parsed.success) throw new Error(`invalid ${source}: ${describeIssues(parsed.error, source)}`);
  return parsed.data;
}

/** The rooms of rooms.seed.json (the shape {"rooms": [...]}), validated. */
export function loadRoomSeed(): EmulatedRoom[] {
  const parsed = seedFileSchema.safeParse(seedFile);
  if (!parsed.success) throw new Error(`invalid room seed rooms.seed.json: ${describeIssues(parsed.error, '')}`);
  return parsed.data.rooms;
}

function describeIssues(error: z.ZodError, prefix: string): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
      return `${prefix}${path}: ${issue.message}`;
    })
    .join('; ');
}

/** A booking placed in time: epoch ms, and the fields of a freebusy/batch_get instance. */
export interface PlacedBooking {
  start: number;
  end: number;
  uid: string;
  organizer?: { name: string; open_id: string };
}

/** Bookings are placed relative to the quarter hour that `now` falls in: real-looking times, stable for 15 minutes. */
export const BOOKING_GRID_MS = 15 * 60_000;

/** The room's bookings in time, relative to `now` (rounded down to BOOKING_GRID_MS). */
export function placeBookings(room: EmulatedRoom, now: number): PlacedBooking[] {
  const anchor = Math.floor(now / BOOKING_GRID_MS) * BOOKING_GRID_MS;
  return (room.bookings ?? []).map((booking, index) => ({
    start: anchor + booking.start_minutes * 60_000,
    end: anchor + booking.end_minutes * 60_000,
    uid: uidOf(`${room.room_id}/${index}`),
    ...(booking.organizer !== undefined && !booking.private
      ? { organizer: { name: booking.organizer, open_id: `ou_${hexOf(booking.organizer)}` } }
      : {}),
  }));
}

function hexOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** A stable event uid in the shape of the doc's example (b9b19453-0e60-411b-a65f-e5d3b7aa1d0e). */
function uidOf(text: string): string {
  const hex = hexOf(text);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** In-memory room table; tests may change it while the emulator runs (a room renamed, removed, added). */
export class RoomCatalog {
  private readonly byCustomId = new Map<string, EmulatedRoom>();
  private readonly byRoomId = new Map<string, EmulatedRoom>();

  constructor(rooms: readonly EmulatedRoom[]) {
    for (const room of rooms) this.put(room);
  }

  /** Adds or replaces a room (matched by custom_room_id). */
  put(room: EmulatedRoom): void {
    const valid = parseRooms([room], 'room')[0]!;
    this.remove(valid.custom_room_id);
    const sameRoomId = this.byRoomId.get(valid.room_id);
    if (sameRoomId) this.remove(sameRoomId.custom_room_id);
    this.byCustomId.set(valid.custom_room_id, valid);
    this.byRoomId.set(valid.room_id, valid);
  }

  remove(customRoomId: string): boolean {
    const room = this.byCustomId.get(customRoomId);
    if (!room) return false;
    this.byCustomId.delete(customRoomId);
    this.byRoomId.delete(room.room_id);
    return true;
  }

  list(): EmulatedRoom[] {
    return [...this.byCustomId.values()];
  }

  byCustomRoomId(customRoomId: string): EmulatedRoom | undefined {
    return this.byCustomId.get(customRoomId);
  }

  byId(roomId: string): EmulatedRoom | undefined {
    return this.byRoomId.get(roomId);
  }
}
