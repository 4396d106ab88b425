// calendar v4 as an app uses it to book rooms: 主日历 (POST calendars/primary), 创建日程 (POST …/events, with
// idempotency_key of 32–128 characters), 添加日程参与人 (POST …/attendees: a room needs operate_id when the app
// adds it, a room that needs approval is refused at once), 获取日程参与人列表 (GET …/attendees, rsvp_status),
// 删除日程 (DELETE …/events/:event_id). State and the rooms' asynchronous decisions: ../calendar.ts.
import type Router from 'koa-router';
import { isJsonObject } from '../../json.js';
import type { CalendarStore, EmulatedAttendee, EmulatedEvent } from '../calendar.js';
import type { FaultInjector } from '../faults.js';
import type { RoomCatalog } from '../rooms.js';
import type { TokenAuthority } from '../tokens.js';
import { FeishuCode, FeishuMsg, sendFeishuError } from './errors.js';
import { openApi, requireTenantToken } from './middleware.js';
import { parseRawQuery, valuesOf } from './query.js';
import { jsonObjectOf } from './raw-body.js';
import type { ApiContext, EmulatorState } from './state.js';

const KEY_MIN = 32;
const KEY_MAX = 128;
const OPEN_ID = /^ou_[A-Za-z0-9]+$/;
const SECONDS = /^\d{1,12}$/;

const invalid = (ctx: ApiContext, detail: string) =>
  sendFeishuError(ctx, 400, FeishuCode.CALENDAR_INVALID_PARAM, `${FeishuMsg.CALENDAR_INVALID_PARAM}: ${detail}`);

function query(ctx: ApiContext, key: string): string | undefined {
  return valuesOf(parseRawQuery(ctx.querystring), key)[0];
}

function eventBody(event: EmulatedEvent): Record<string, unknown> {
  return {
    event_id: event.event_id,
    organizer_calendar_id: event.calendar_id,
    summary: event.summary,
    description: event.description,
    start_time: { timestamp: String(event.start / 1000) },
    end_time: { timestamp: String(event.end / 1000) },
    status: event.deleted ? 'cancelled' : 'confirmed',
    create_time: String(Math.floor(event.create_time / 1000)),
  };
}

function attendeeBody(attendee: EmulatedAttendee): Record<string, unknown> {
  return {
    attendee_id: attendee.attendee_id,
    type: attendee.type,
    rsvp_status: attendee.rsvp_status,
    is_optional: false,
    is_organizer: false,
    is_external: false,
    ...(attendee.user_id !== undefined ? { user_id: attendee.user_id } : {}),
    ...(attendee.room_id !== undefined ? { room_id: attendee.room_id } : {}),
    ...(attendee.operate_id !== undefined ? { operate_id: attendee.operate_id } : {}),
  };
}

/** A time object of 创建日程: timestamp in seconds, as a string. */
function timestampOf(value: unknown): number | undefined {
  if (!isJsonObject(value) || typeof value.timestamp !== 'string' || !SECONDS.test(value.timestamp)) return undefined;
  return Number(value.timestamp) * 1000;
}

type NewAttendee = Omit<EmulatedAttendee, 'attendee_id' | 'rsvp_status' | 'addedAt'>;

/** The attendees of a request, or the reason it is refused (a string) or the approval refusal. */
function attendeesOf(body: Record<string, unknown>, rooms: RoomCatalog): NewAttendee[] | string | 'needs_approval' {
  const list = body.attendees;
  if (!Array.isArray(list) || list.length === 0) return 'attendees is required';
  const result: NewAttendee[] = [];
  for (const item of list) {
    if (!isJsonObject(item)) return 'each attendee must be an object';
    if (item.type === 'user') {
      if (typeof item.user_id !== 'string' || !OPEN_ID.test(item.user_id)) return 'user_id must be an open_id';
      result.push({ type: 'user', user_id: item.user_id });
    } else if (item.type === 'resource') {
      if (typeof item.room_id !== 'string') return 'room_id is required for a resource';
      // An event of the app's own calendar: Feishu needs to know whom the room is booked for.
      if (typeof item.operate_id !== 'string' || !OPEN_ID.test(item.operate_id))
        return 'operate_id is required when an app adds a meeting room';
      const room = rooms.byId(item.room_id);
      if (!room) return `room ${item.room_id} not found`;
      if (room.needs_approval) return 'needs_approval';
      result.push({ type: 'resource', room_id: item.room_id, operate_id: item.operate_id });
    } else return 'type must be user or resource';
  }
  return result;
}

export function registerCalendarRoutes(
  router: Router<EmulatorState>,
  /** The app's calendar, rooms and bot in the tenant whose token authorised the request. */
  calendarOf: (tenantKey: string) => CalendarStore,
  roomsOf: (tenantKey: string) => RoomCatalog,
  tokens: TokenAuthority,
  faults: FaultInjector,
  botOpenIdOf: (tenantKey: string) => string,
): void {
  const tenantOf = (ctx: ApiContext): string => ctx.state.tenantKey ?? '';

  /** The event of the path, on the app's calendar and not deleted; or undefined after answering. */
  function eventOf(ctx: ApiContext): EmulatedEvent | undefined {
    const calendar = calendarOf(tenantOf(ctx));
    if (ctx.params.calendar_id !== calendar.primaryCalendarId)
      return void sendFeishuError(ctx, 400, FeishuCode.CALENDAR_NOT_FOUND, FeishuMsg.CALENDAR_NOT_FOUND);
    const event = calendar.event(ctx.params.event_id ?? '');
    if (!event || event.deleted || event.calendar_id !== calendar.primaryCalendarId)
      return void sendFeishuError(ctx, 400, FeishuCode.EVENT_NOT_FOUND, FeishuMsg.EVENT_NOT_FOUND);
    return event;
  }

  router.post(
    '/open-apis/calendar/v4/calendars/primary',
    openApi('calendar_primary', faults),
    requireTenantToken(tokens),
    (ctx) => {
      const calendar = calendarOf(tenantOf(ctx));
      const calendarBody = {
        calendar_id: calendar.primaryCalendarId,
        summary: 'RoomBot',
        description: '',
        permissions: 'private',
        type: 'primary',
        role: 'owner',
        is_deleted: false,
        is_third_party: false,
      };
      ctx.body = {
        code: 0,
        msg: 'success',
        data: { calendars: [{ calendar: calendarBody, user_id: botOpenIdOf(tenantOf(ctx)) }] },
      };
    },
  );

  router.post(
    '/open-apis/calendar/v4/calendars/:calendar_id/events',
    openApi('event_create', faults),
    requireTenantToken(tokens),
    (ctx) => {
      const calendar = calendarOf(tenantOf(ctx));
      if (ctx.params.calendar_id !== calendar.primaryCalendarId)
        return sendFeishuError(ctx, 400, FeishuCode.CALENDAR_NOT_FOUND, FeishuMsg.CALENDAR_NOT_FOUND);
      const key = query(ctx, 'idempotency_key');
      if (key !== undefined && (key.length < KEY_MIN || key.length > KEY_MAX))
        return invalid(ctx, `idempotency_key must be ${KEY_MIN} to ${KEY_MAX} characters`);
      const body = jsonObjectOf(ctx.state.rawBody);
      if (!body) return invalid(ctx, 'request body must be a JSON object');
      const start = timestampOf(body.start_time);
      const end = timestampOf(body.end_time);
      if (start === undefined || end === undefined) return invalid(ctx, 'start_time and end_time need a timestamp');
      if (end <= start) return invalid(ctx, 'end_time must be after start_time');
      const event = calendar.create({
        calendar_id: calendar.primaryCalendarId,
        summary: typeof body.summary === 'string' ? body.summary : '',
        description: typeof body.description === 'string' ? body.description : '',
        start,
        end,
        ...(key !== undefined ? { idempotency_key: key } : {}),
      });
      ctx.body = { code: 0, msg: 'success', data: { event: eventBody(event) } };
    },
  );

  router.delete(
    '/open-apis/calendar/v4/calendars/:calendar_id/events/:event_id',
    openApi('event_delete', faults),
    requireTenantToken(tokens),
    (ctx) => {
      const event = eventOf(ctx);
      if (!event) return;
      calendarOf(tenantOf(ctx)).delete(event);
      ctx.body = { code: 0, msg: 'success', data: {} };
    },
  );

  router.post(
    '/open-apis/calendar/v4/calendars/:calendar_id/events/:event_id/attendees',
    openApi('attendee_create', faults),
    requireTenantToken(tokens),
    (ctx) => {
      const event = eventOf(ctx);
      if (!event) return;
      if ((query(ctx, 'user_id_type') ?? 'open_id') !== 'open_id') return invalid(ctx, 'user_id_type must be open_id');
      const body = jsonObjectOf(ctx.state.rawBody);
      if (!body) return invalid(ctx, 'request body must be a JSON object');
      const attendees = attendeesOf(body, roomsOf(tenantOf(ctx)));
      if (attendees === 'needs_approval')
        return sendFeishuError(ctx, 400, FeishuCode.ROOM_NEEDS_APPROVAL, FeishuMsg.ROOM_NEEDS_APPROVAL);
      if (typeof attendees === 'string') return invalid(ctx, attendees);
      const calendar = calendarOf(tenantOf(ctx));
      const added = attendees.map((attendee) => calendar.addAttendee(event, attendee));
      ctx.body = { code: 0, msg: 'success', data: { attendees: added.map(attendeeBody) } };
    },
  );

  router.get(
    '/open-apis/calendar/v4/calendars/:calendar_id/events/:event_id/attendees',
    openApi('attendee_list', faults),
    requireTenantToken(tokens),
    (ctx) => {
      const event = eventOf(ctx);
      if (!event) return;
      const items = event.attendees.filter((a) => a.rsvp_status !== 'removed').map(attendeeBody);
      ctx.body = { code: 0, msg: 'success', data: { items, has_more: false, page_token: '' } };
    },
  );
}
