// The emulator's room directory: what meeting_room v1 batch_get_id / batch_get answer from.
// Seeded from rooms.seed.json (validated once), or from rooms a test passes in.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

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
});

/** One meeting room, with the fields of batch_get (查询会议室详情) plus its tenant-defined custom_room_id. */
export type EmulatedRoom = z.infer<typeof roomSchema>;

const roomListSchema = z.array(roomSchema).superRefine((rooms, ctx) => {
  for (const key of ['custom_room_id', 'room_id'] as const) {
    const seen = new Set<string>();
    rooms.forEach((room, index) => {
      if (seen.has(room[key])) ctx.addIssue({ code: 'custom', path: [index, key], message: `duplicate ${key} "${room[key]}"` });
      seen.add(room[key]);
    });
  }
});

const seedFileSchema = z.object({ rooms: roomListSchema });

export const DEFAULT_SEED_PATH = new URL('./rooms.seed.json', import.meta.url);

/** Validates a list of rooms; throws an Error naming each bad field (e.g. "rooms[3].room_id: …"). */
export function parseRooms(rooms: unknown, source = 'rooms'): EmulatedRoom[] {
  const parsed = roomListSchema.safeParse(rooms);
  if (!parsed.success) throw new Error(`invalid ${source}: ${describeIssues(parsed.error, source)}`);
  return parsed.data;
}

/** Reads and validates a seed file of the shape {"rooms": [...]}. */
export function loadRoomSeed(path: string | URL = DEFAULT_SEED_PATH): EmulatedRoom[] {
  const parsed = seedFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`invalid room seed ${String(path)}: ${describeIssues(parsed.error, '')}`);
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
