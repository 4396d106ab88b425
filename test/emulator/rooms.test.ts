// The room directory: seed validation and the in-memory catalog.
import { describe, expect, it } from 'vitest';
import { loadRoomSeed, parseRooms, RoomCatalog, type EmulatedRoom } from '../../src/emulator/index.js';

const room: EmulatedRoom = {
  custom_room_id: 'r1',
  room_id: 'omm_00000000000000000000000000000001',
  name: 'One',
  capacity: 4,
  building_id: 'omb_00000000000000000000000000000001',
  building_name: 'B',
  floor_name: 'F1',
  description: '',
  display_id: 'FM1',
  is_disabled: false,
};

describe('room seed', () => {
  it('holds about twenty valid rooms across buildings, the two documented ones and a disabled one', () => {
    const rooms = loadRoomSeed();
    expect(rooms.length).toBeGreaterThanOrEqual(18);
    expect(new Set(rooms.map((r) => r.building_id)).size).toBeGreaterThanOrEqual(2);
    expect(rooms.find((r) => r.custom_room_id === 'test01')?.room_id).toBe('omm_eada1d61a550955240c28757e7dec3af');
    expect(rooms.find((r) => r.custom_room_id === 'test02')?.room_id).toBe('omm_83d09ad4f6896e02029a6a075f71c9d1');
    expect(rooms.filter((r) => r.is_disabled)).toHaveLength(1);
  });

  it('refuses malformed or duplicate rooms, naming the field', () => {
    expect(() => parseRooms([{ ...room, room_id: 'room-1' }])).toThrow(/rooms\[0\]\.room_id/);
    expect(() => parseRooms([{ ...room, capacity: -1 }])).toThrow(/capacity/);
    expect(() => parseRooms([room, { ...room, room_id: 'omm_00000000000000000000000000000002' }])).toThrow(
      /duplicate custom_room_id "r1"/,
    );
    const { name: _name, ...withoutName } = room;
    expect(() => parseRooms([withoutName])).toThrow(/name/);
  });
});

describe('RoomCatalog', () => {
  it('finds rooms by custom ID and by room ID, and follows changes', () => {
    const catalog = new RoomCatalog([room]);
    expect(catalog.byCustomRoomId('r1')).toEqual(room);
    expect(catalog.byId(room.room_id)).toEqual(room);

    catalog.put({ ...room, custom_room_id: 'r1-renamed' }); // same room_id under a new custom ID
    expect(catalog.byCustomRoomId('r1')).toBeUndefined();
    expect(catalog.byId(room.room_id)?.custom_room_id).toBe('r1-renamed');
    expect(catalog.list()).toHaveLength(1);

    expect(catalog.remove('r1-renamed')).toBe(true);
    expect(catalog.byId(room.room_id)).toBeUndefined();
    expect(catalog.remove('r1-renamed')).toBe(false);
  });

  it('validates rooms put into it', () => {
    expect(() => new RoomCatalog([]).put({ ...room, building_id: 'b1' })).toThrow(/building_id/);
  });
});
