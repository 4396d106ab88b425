// What the bot needs from the outside world. src/feishu implements these with the SDK; tests may
// implement them too. Nothing here does I/O.

/** meeting_room v1 room details (batch_get, fields=*). Fields Feishu may omit are optional. */
export interface RoomDetails {
  room_id: string;
  name?: string;
  capacity?: number;
  building_id?: string;
  building_name?: string;
  floor_name?: string;
  description?: string;
  display_id?: string;
  is_disabled?: boolean;
}

export interface LookupOptions {
  /** Skip the lookup cache (the card's Refresh button). */
  bypassCache?: boolean;
}

export interface RoomDirectory {
  /** custom_room_id → room_id for the IDs Feishu knows; IDs it does not know are absent. */
  findRoomIds(customRoomIds: readonly string[], options?: LookupOptions): Promise<Map<string, string>>;
  /** room_id → details for the rooms Feishu returns; absent ones are unknown. */
  getRoomDetails(roomIds: readonly string[], options?: LookupOptions): Promise<Map<string, RoomDetails>>;
}

/**
 * One booking of a room as meeting_room v1 freebusy/batch_get (查询会议室忙闲) returns it. Times are RFC 3339
 * with an offset. organizer_info is absent for private bookings (the doc: 私密日程不返回该信息) and carries
 * no name for bookings made by apps.
 */
export interface FreeBusyInstance {
  start_time: string;
  end_time: string;
  uid?: string;
  original_time?: number;
  organizer_info?: { name?: string; open_id?: string };
}

/** A span of time, as epoch milliseconds: from inclusive, to exclusive. */
export interface TimeWindow {
  from: number;
  to: number;
}

export interface RoomCalendar {
  /**
   * room_id → its bookings that overlap `window` (an empty list: free throughout). Rooms Feishu gave no
   * answer for are absent: their availability is unknown.
   */
  getFreeBusy(
    roomIds: readonly string[],
    window: TimeWindow,
    options?: LookupOptions,
  ): Promise<Map<string, FreeBusyInstance[]>>;
}

/** An interactive card as sent to Feishu (the object that is JSON-encoded into `content`). */
export type Card = Record<string, unknown>;

export interface Messenger {
  /** im.v1.message.reply with msg_type "interactive"; `uuid` makes repeated attempts post at most once. */
  replyWithCard(messageId: string, card: Card, uuid: string): Promise<{ message_id?: string }>;
}
