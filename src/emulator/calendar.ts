// The emulator's calendar v4 state: the app's primary calendar, its events (one per idempotency_key), their
// attendees, and rooms booked asynchronously. As Feishu documents it (添加日程参与人): adding a room starts a
// booking; the room attendee reads needs_action until the room decides, then accept (the slot is free) or
// decline (it clashes with another booking, or the room is disabled). A room that needs approval cannot be
// added by an app at all. Accepted rooms show in freebusy/batch_get.
import { createHash, randomBytes } from 'node:crypto';
import { placeBookings, type PlacedBooking, type RoomCatalog } from './rooms.js';

/** How long a room takes to decide; the first attendee list after it sees the answer. */
export const ROOM_DECISION_MS = 150;

export type EmulatedRsvp = 'needs_action' | 'accept' | 'decline' | 'removed';

export interface EmulatedAttendee {
  attendee_id: string;
  type: 'user' | 'resource';
  user_id?: string;
  room_id?: string;
  operate_id?: string;
  rsvp_status: EmulatedRsvp;
  addedAt: number;
}

export interface EmulatedEvent {
  event_id: string;
  calendar_id: string;
  summary: string;
  description: string;
  start: number;
  end: number;
  idempotency_key?: string;
  deleted: boolean;
  attendees: EmulatedAttendee[];
  create_time: number;
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

export class CalendarStore {
  readonly primaryCalendarId: string;
  private readonly events = new Map<string, EmulatedEvent>();
  private readonly byKey = new Map<string, string>();

  constructor(
    appId: string,
    private readonly rooms: RoomCatalog,
    private readonly now: () => number,
  ) {
    const digest = createHash('sha256').update(appId).digest('hex').slice(0, 24);
    this.primaryCalendarId = `feishu.cn_${digest}@group.calendar.feishu.cn`;
  }

  /** Every event made so far, deleted ones included (deleted: true), oldest first. */
  list(): EmulatedEvent[] {
    this.settleRooms();
    return [...this.events.values()];
  }

  event(eventId: string): EmulatedEvent | undefined {
    this.settleRooms();
    return this.events.get(eventId);
  }

  /** Creates the event, or (same idempotency_key) answers the one made the first time. */
  create(input: Omit<EmulatedEvent, 'event_id' | 'deleted' | 'attendees' | 'create_time'>): EmulatedEvent {
    const earlier = input.idempotency_key === undefined ? undefined : this.byKey.get(input.idempotency_key);
    if (earlier) return this.events.get(earlier)!;
    const event: EmulatedEvent = {
      ...input,
      event_id: `${hex(16).replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5')}_0`,
      deleted: false,
      attendees: [],
      create_time: this.now(),
    };
    this.events.set(event.event_id, event);
    if (input.idempotency_key !== undefined) this.byKey.set(input.idempotency_key, event.event_id);
    return event;
  }

  /** Adds an attendee unless the same person or room is one already (then the existing one is answered). */
  addAttendee(event: EmulatedEvent, attendee: Omit<EmulatedAttendee, 'attendee_id' | 'rsvp_status' | 'addedAt'>) {
    const same = event.attendees.find(
      (a) =>
        a.type === attendee.type &&
        a.rsvp_status !== 'removed' &&
        (attendee.type === 'user' ? a.user_id === attendee.user_id : a.room_id === attendee.room_id),
    );
    if (same) return same;
    const added: EmulatedAttendee = {
      ...attendee,
      attendee_id: `${attendee.type === 'user' ? 'user' : 'resource'}_${hex(8)}`,
      rsvp_status: attendee.type === 'user' ? 'needs_action' : 'needs_action',
      addedAt: this.now(),
    };
    event.attendees.push(added);
    return added;
  }

  delete(event: EmulatedEvent): void {
    event.deleted = true;
    for (const attendee of event.attendees) if (attendee.type === 'resource') attendee.rsvp_status = 'removed';
  }

  /** The room's bookings made through events (accepted, not deleted), as freebusy/batch_get lists them. */
  roomBookings(roomId: string): PlacedBooking[] {
    this.settleRooms();
    return [...this.events.values()]
      .filter(
        (event) => !event.deleted && event.attendees.some((a) => a.room_id === roomId && a.rsvp_status === 'accept'),
      )
      .map((event) => ({ start: event.start, end: event.end, uid: event.event_id.slice(0, 36) }));
  }

  /** Rooms whose decision time has come decide, in the order they were added. */
  private settleRooms(): void {
    const due = [...this.events.values()]
      .filter((event) => !event.deleted)
      .flatMap((event) =>
        event.attendees
          .filter((a) => a.type === 'resource' && a.rsvp_status === 'needs_action')
          .filter((a) => this.now() - a.addedAt >= ROOM_DECISION_MS)
          .map((attendee) => ({ event, attendee })),
      )
      .sort((a, b) => a.attendee.addedAt - b.attendee.addedAt);
    for (const { event, attendee } of due) attendee.rsvp_status = this.decide(event, attendee.room_id ?? '');
  }

  private decide(event: EmulatedEvent, roomId: string): EmulatedRsvp {
    const room = this.rooms.byId(roomId);
    if (!room || room.is_disabled) return 'decline';
    const clash = (booking: { start: number; end: number }) => booking.start < event.end && event.start < booking.end;
    if (placeBookings(room, this.now()).some(clash)) return 'decline';
    const others = [...this.events.values()].filter(
      (other) =>
        other !== event &&
        !other.deleted &&
        other.attendees.some((a) => a.room_id === roomId && a.rsvp_status === 'accept'),
    );
    return others.some(clash) ? 'decline' : 'accept';
  }
}
