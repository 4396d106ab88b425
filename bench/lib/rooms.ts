// Rooms for the emulator's directory, as many as a phase needs, with IDs in Feishu's shapes.
import { createHash } from 'node:crypto';
import type { EmulatedRoom } from '../../src/emulator/index.js';

/** 32 hex digits derived from a name: stable across runs, distinct per name. */
function hex32(name: string): string {
  return createHash('sha256').update(name).digest('hex').slice(0, 32);
}

/** `count` rooms whose custom_room_id is `${prefix}-${i}` (i from 0). */
export function generateRooms(prefix: string, count: number): EmulatedRoom[] {
  return Array.from({ length: count }, (_, i) => {
    const customRoomId = `${prefix}-${i}`;
    return {
      custom_room_id: customRoomId,
      room_id: `omm_${hex32(`room:${customRoomId}`)}`,
      name: `Bench room ${i}`,
      capacity: 4 + (i % 20),
      building_id: `omb_${hex32(`building:${i % 5}`)}`,
      building_name: `Building ${i % 5}`,
      floor_name: `F${1 + (i % 12)}`,
      description: 'generated for the benchmark',
      display_id: `FM${String(100000 + i)}`,
      is_disabled: false,
    };
  });
}

export function customIds(prefix: string, from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${from + i}`);
}
