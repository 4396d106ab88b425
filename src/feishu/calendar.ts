// calendar v4 through the SDK's typed client, with the tenant token (the app's own identity): the app's primary
// calendar, events, attendees, deletion. What booking a room needs (bot/ports.ts BookingCalendar).
//   主日历 POST /calendar/v4/calendars/primary; 创建日程 POST …/events?idempotency_key= (32–128 chars; the same
//   key answers the event made the first time); 添加日程参与人 POST …/events/:event_id/attendees (a room is
//   type resource with operate_id, required when an app adds a room; booking then runs asynchronously);
//   获取日程参与人列表 GET …/attendees (rsvp_status needs_action → accept / decline); 删除日程 DELETE …/events/:id.
// Scope: calendar:calendar (or calendar:calendar.event:*); a missing one is code 99991672 (kind 'permission').
import type * as lark from '@larksuiteoapi/node-sdk';
import type { BookingCalendar, CalendarEventRef, NewCalendarEvent, RsvpStatus } from '../bot/ports.js';
import { FeishuApiError } from '../errors.js';
import { callWithRetry, type CallPolicy, type TokenSource } from './call-with-retry.js';
import { withTenantToken } from './client.js';

/**
 * calendar v4 codes (日历错误码) the bot reacts to: 193001 the event does not exist (deleting it again is
 * done), 193105 the room must be approved, which an app cannot ask for.
 */
export const CALENDAR_CODES = { EVENT_NOT_FOUND: 193001, ROOM_NEEDS_APPROVAL: 193105 } as const;

const RSVP: ReadonlySet<string> = new Set(['needs_action', 'accept', 'tentative', 'decline', 'removed']);

export interface BookingCalendarOptions {
  client: lark.Client;
  tokens: TokenSource;
  policy: CallPolicy;
  /** IANA zone sent with the event times (ROOM_TIMEZONE). */
  timeZone: string;
}

const seconds = (instant: number): string => String(Math.floor(instant / 1000));

export function createFeishuBookingCalendar(options: BookingCalendarOptions): BookingCalendar & {
  stats: { calendarCalls: number };
} {
  const { client, tokens, policy, timeZone } = options;
  const stats = { calendarCalls: 0 };
  // tenant_key → the app's primary calendar_id in that tenant (it never changes).
  const primaries = new Map<string, Promise<string>>();

  function call<T>(api: string, run: (options: ReturnType<typeof withTenantToken>) => Promise<T>): Promise<T> {
    return callWithRetry(
      api,
      policy,
      (token) => {
        stats.calendarCalls += 1;
        return run(withTenantToken(token));
      },
      tokens,
    );
  }

  async function fetchPrimary(): Promise<string> {
    const body = await call('calendar.primary', (o) =>
      client.calendar.v4.calendar.primary({ params: { user_id_type: 'open_id' } }, o),
    );
    const id = body.data?.calendars?.[0]?.calendar?.calendar_id;
    if (!id) throw new FeishuApiError('rejected', 'calendar.primary', undefined, 'no primary calendar', undefined, 200);
    return id;
  }

  function addBoth(event: CalendarEventRef, attendee: { openId: string; roomId: string }) {
    return call('calendar.event.attendee.create', (o) =>
      client.calendar.v4.calendarEventAttendee.create(
        {
          path: { calendar_id: event.calendar_id, event_id: event.event_id },
          params: { user_id_type: 'open_id' },
          data: {
            attendees: [
              { type: 'user', user_id: attendee.openId },
              // operate_id: who the room is booked for; Feishu requires it when the event is the app's.
              { type: 'resource', room_id: attendee.roomId, operate_id: attendee.openId },
            ],
            need_notification: true,
          },
        },
        o,
      ),
    );
  }

  return {
    stats,
    primaryCalendarId(tenantKey) {
      let id = primaries.get(tenantKey);
      if (!id) {
        id = fetchPrimary();
        primaries.set(tenantKey, id);
        id.catch(() => primaries.delete(tenantKey)); // a failure is not cached
      }
      return id;
    },

    async createEvent(calendarId: string, event: NewCalendarEvent): Promise<CalendarEventRef> {
      const body = await call('calendar.event.create', (o) =>
        client.calendar.v4.calendarEvent.create(
          {
            path: { calendar_id: calendarId },
            params: { idempotency_key: event.idempotencyKey, user_id_type: 'open_id' },
            data: {
              summary: event.summary,
              description: event.description,
              need_notification: true,
              start_time: { timestamp: seconds(event.start), timezone: timeZone },
              end_time: { timestamp: seconds(event.end), timezone: timeZone },
              attendee_ability: 'none',
              free_busy_status: 'busy',
            },
          },
          o,
        ),
      );
      const eventId = body.data?.event?.event_id;
      if (!eventId)
        throw new FeishuApiError('rejected', 'calendar.event.create', undefined, 'no event_id', undefined, 200);
      return { calendar_id: calendarId, event_id: eventId };
    },

    async addAttendees(event, attendee) {
      try {
        await addBoth(event, attendee);
        return 'added';
      } catch (error) {
        if (error instanceof FeishuApiError && error.code === CALENDAR_CODES.ROOM_NEEDS_APPROVAL)
          return 'needs_approval';
        throw error;
      }
    },

    async roomStatus(event, roomId): Promise<RsvpStatus | undefined> {
      const body = await call('calendar.event.attendee.list', (o) =>
        client.calendar.v4.calendarEventAttendee.list(
          {
            path: { calendar_id: event.calendar_id, event_id: event.event_id },
            params: { user_id_type: 'open_id', page_size: 100 },
          },
          o,
        ),
      );
      const room = body.data?.items?.find((item) => item.type === 'resource' && item.room_id === roomId);
      const status = room?.rsvp_status;
      return status !== undefined && RSVP.has(status) ? (status as RsvpStatus) : undefined;
    },

    async deleteEvent(event) {
      try {
        await call('calendar.event.delete', (o) =>
          client.calendar.v4.calendarEvent.delete(
            {
              path: { calendar_id: event.calendar_id, event_id: event.event_id },
              params: { need_notification: 'true' },
            },
            o,
          ),
        );
      } catch (error) {
        if (error instanceof FeishuApiError && error.code === CALENDAR_CODES.EVENT_NOT_FOUND) return;
        throw error;
      }
    },
  };
}
