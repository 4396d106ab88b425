// Large room directories for the bench and the pacing tests: `buildings` buildings of `roomsPerBuilding` rooms,
// spread over floors, with names, capacities and a few disabled rooms; deterministic (same input, same rooms).
import { createHash } from 'node:crypto';
import type { EmulatedRoom } from './rooms.js';

const NAMES = ['Everest', '黄山', 'Aurora', '前海', 'Nebula', '泰山', 'Lujiazui', '西湖', 'Orion', '长城'];
const CITIES = ['深圳', 'Beijing', '上海', 'Hangzhou', '成都'];
const CAPACITIES = [4, 6, 8, 10, 12, 16, 20, 30];

function hex(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

export interface GeneratedDirectoryOptions {
  buildings: number;
  roomsPerBuilding: number;
  /** Rooms per floor; default 10. */
  roomsPerFloor?: number;
  /** Index of the first building (several calls with different ones give disjoint directories); default 0. */
  firstBuilding?: number;
}

export function generateDirectory(options: GeneratedDirectoryOptions): EmulatedRoom[] {
  const perFloor = options.roomsPerFloor ?? 10;
  const rooms: EmulatedRoom[] = [];
  const first = options.firstBuilding ?? 0;
  for (let b = first; b < first + options.buildings; b += 1) {
    const buildingId = `omb_${hex(`building/${b}`)}`;
    const buildingName = `${CITIES[b % CITIES.length]} Tower ${b + 1}`;
    for (let r = 0; r < options.roomsPerBuilding; r += 1) {
      const floor = Math.floor(r / perFloor) + 1;
      const n = (b - first) * options.roomsPerBuilding + r + first * 1_000_003;
      rooms.push({
        custom_room_id: `G${b + 1}-${floor}${String((r % perFloor) + 1).padStart(2, '0')}`,
        room_id: `omm_${hex(`room/${b}/${r}`)}`,
        name: `${NAMES[n % NAMES.length]} ${b + 1}-${r + 1}`,
        capacity: CAPACITIES[n % CAPACITIES.length]!,
        building_id: buildingId,
        building_name: buildingName,
        floor_name: `F${floor}`,
        description: '',
        display_id: `FM${String(100000000 + n)}`,
        is_disabled: n % 97 === 0,
        ...(n % 3 === 0 ? { bookings: [{ start_minutes: -15, end_minutes: 45, organizer: 'Load Test' }] } : {}),
      });
    }
  }
  return rooms;
}
