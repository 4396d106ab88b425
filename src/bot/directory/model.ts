// The tenant's room directory as the bot keeps it (pure data; see docs/directory.md): every room of
// meeting_room v1 building/list + room/list, with custom_room_id from vc/v1/rooms when the app may read it.

/** One room of the directory. Names are Feishu's (room/list fields, custom_room_id from vc/v1/rooms). */
export interface DirectoryRoom {
  room_id: string;
  /** Absent when the app lacks vc:room:readonly, or the room has none. */
  custom_room_id?: string;
  name: string;
  capacity: number;
  building_id: string;
  building_name: string;
  floor_name: string;
  description?: string;
  display_id?: string;
  is_disabled: boolean;
}

/** What a sync produced, stored as JSON (state store key directory:<tenant>:snapshot). */
export interface DirectorySnapshot {
  /** When the sync finished, epoch ms. */
  synced_at: number;
  /** Whether vc/v1/rooms answered: custom IDs are known (false: the app lacks vc:room:readonly). */
  custom_ids: boolean;
  rooms: DirectoryRoom[];
}

/** A room with the folded text the matchers compare (built once per sync). */
export interface IndexedRoom {
  room: DirectoryRoom;
  name: string;
  customId: string;
  /** Name, building, floor and custom ID, folded, separated by U+0000 (no word contains it). */
  text: string;
  /** Building and floor, folded: where `/room free` words are looked for. */
  place: string;
}
