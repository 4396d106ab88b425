// What the bot does with a message and with a click on its card. Ports are injected (RoomDirectory,
// Messenger), so this file does no I/O of its own and knows nothing of HTTP or the SDK.
import { FeishuApiError } from '../errors.js';
import type { CardActionEvent, CardActionResponse, EventHeader, MessageReceiveEvent } from '../protocol/events.js';
import type { Logger } from '../log.js';
import { restOfDay } from './availability.js';
import { isRoomId, type DirectoryAnswers } from './directory/answer.js';
import { buildErrorCard, buildHelpCard, buildLookupCard, type ErrorCardInput } from './card.js';
import { parseCommand, type CommandLimits } from './command.js';
import { SCOPE_ROOM_READ, strings, toast } from './i18n.js';
import type {
  Card,
  DirectoryView,
  FreeBusyInstance,
  LookupOptions,
  Messenger,
  RoomCalendar,
  RoomDetails,
  RoomDirectory,
  MessageJob,
} from './ports.js';
import { replyUuidFor } from './reply-uuid.js';
import type { BookingLimits } from './booking/slots.js';
import type { createTypedBooking } from './booking/typed.js';
import { buildBookingProblemCard } from './booking/card.js';
import { bookingStrings } from './booking/strings.js';
import { isJsonObject } from '../json.js';
import { triageMessage, type AccessPolicy, type BotIdentity, type Triage } from './triage.js';

export interface RoomBotOptions {
  directory: RoomDirectory;
  /** Free/busy of the rooms found (meeting_room freebusy/batch_get). */
  calendar: RoomCalendar;
  /** IANA zone of "today" and of the times on the card (ROOM_TIMEZONE). */
  timeZone: string;
  /** The current time, epoch ms; default Date.now (tests pass a fixed clock). */
  clock?: () => number;
  messenger: Messenger;
  limits: CommandLimits;
  /** Who may get answers: other tenants' members, which chats. */
  access: AccessPolicy;
  /** Book buttons on rooms free now (BOOKING_ENABLED); absent: none. */
  booking?: BookingLimits;
  /** `/room book …` (booking/typed.ts); absent: the command gets the booking-disabled card. */
  typedBooking?: Pick<ReturnType<typeof createTypedBooking>, 'answer'>;
  /** The bot's own identity once bot/v3/info has answered (undefined before: group mentions are not recognised). */
  botIdentity: () => BotIdentity | undefined;
  logger: Logger;
  /** /room find, /room free, omm_ lookups and "did you mean" (docs/directory.md); without it they are not offered. */
  directoryAnswers?: DirectoryAnswers;
}

export interface RoomBot {
  /**
   * What the message asks of the bot, parsed once at intake (pure; no I/O): a command, or why it is ignored.
   * The header says which tenant the app is installed in (its tenant_key): senders of other tenants are refused.
   */
  triage(event: MessageReceiveEvent, header: Pick<EventHeader, 'tenant_key'>): Triage;
  /** Answers one accepted message. Rejects only when the reply could not be posted. */
  answer(job: MessageJob): Promise<void>;
  /** The card's Refresh button: looks the IDs up again, bypassing the cache, and returns the new card. */
  handleCardAction(event: CardActionEvent): Promise<CardActionResponse>;
}

/** What a lookup produced: a card, and a word for the log line. */
interface LookupOutcome {
  card: Card;
  outcome: 'found' | 'lookup_failed';
  found?: number;
}

export function createRoomBot(options: RoomBotOptions): RoomBot {
  const { directory, calendar, timeZone, clock = Date.now, messenger, limits, access, botIdentity, logger } = options;
  const { booking } = options;
  const known = options.directoryAnswers;

  /** custom ID → room_id, and each `omm_…` asked for that exists → itself (the directory, else batch_get). */
  async function resolve(ids: string[], options: LookupOptions): Promise<Map<string, string>> {
    const roomIds = known ? ids.filter(isRoomId) : [];
    const customIds = roomIds.length === 0 ? ids : ids.filter((id) => !isRoomId(id));
    const view = roomIds.length > 0 ? await known?.current() : undefined;
    const unknown = roomIds.filter((id) => view?.byRoomId(id) === undefined);
    const [found, details] = await Promise.all([
      customIds.length > 0 ? directory.findRoomIds(customIds, options) : new Map<string, string>(),
      unknown.length > 0 ? directory.getRoomDetails(unknown, options) : new Map<string, RoomDetails>(),
    ]);
    for (const id of roomIds) if (view?.byRoomId(id) !== undefined || details.has(id)) found.set(id, id);
    return found;
  }

  async function lookup(ids: string[], options: LookupOptions, reference: string): Promise<LookupOutcome> {
    let found: Map<string, string>;
    try {
      found = await resolve(ids, options);
    } catch (error) {
      logFeishuFailure(logger, error, reference, 'room lookup failed');
      return { card: buildErrorCard(errorCardFor(error, reference)), outcome: 'lookup_failed' };
    }
    const refresh = { value: { action: 'refresh', ids } };
    const view = known ? await known.current() : undefined;
    const notFound = ids.filter((id) => !found.has(id) && !isRoomId(id));
    const suggestions = known && notFound.length > 0 ? known.suggestions(view, notFound) : undefined;
    const customIdOf = reverseMap(ids, view);
    if (found.size === 0)
      return { card: buildLookupCard({ requested: ids, found, refresh, suggestions }), outcome: 'found', found: 0 };
    const roomIds = [...new Set(found.values())];
    const window = restOfDay(clock(), timeZone);
    // Degrade, don't fail: the IDs are what was asked for; details and free/busy are a bonus, asked for together.
    const [details, bookings] = await Promise.all([
      orUndefined<Map<string, RoomDetails>>(directory.getRoomDetails(roomIds, options), (error) =>
        logFeishuFailure(logger, error, reference, 'room details unavailable; replying with IDs only'),
      ),
      orUndefined<Map<string, FreeBusyInstance[]>>(calendar.getFreeBusy(roomIds, window, options), (error) =>
        logFeishuFailure(logger, error, reference, 'room free/busy unavailable; replying without it'),
      ),
    ]);
    const card = buildLookupCard({
      requested: ids,
      found,
      details,
      detailsUnavailable: details === undefined,
      availability: { window, timeZone, bookings, unavailable: bookings === undefined },
      refresh,
      suggestions,
      customIdOf,
      customIdsMissingScope: view !== undefined && !view.customIds,
      ...(booking ? { booking } : {}),
    });
    return { card, outcome: 'found', found: found.size };
  }

  return {
    triage: (event, header) => triageMessage(event, header, { limits, access, bot: botIdentity() }),

    async answer(job) {
      const started = Date.now();
      const { command, message_id: messageId } = job;
      const base = { event_id: job.event_id, message_id: messageId, chat_type: job.chat_type };
      let card: Card;
      let fields: Record<string, unknown>;
      switch (command.kind) {
        case 'ignore':
          // never recorded by the intake; kept total so a record written by another version is harmless
          logger.info({ ...base, outcome: 'ignored', reason: command.reason }, 'message handled');
          return;
        case 'help':
          // In a group the card shows the group form, @mentioning the bot by the name members see.
          card = buildHelpCard({
            limits,
            reason: command.reason,
            chatType: job.chat_type,
            botName: botIdentity()?.name,
          });
          fields = { outcome: 'help', reason: command.reason };
          break;
        case 'invalid':
          card = buildErrorCard(command);
          fields = { outcome: 'invalid', reason: command.problem };
          break;
        case 'book':
          if (options.typedBooking) return options.typedBooking.answer(job, command);
          card = buildBookingProblemCard(bookingStrings.mdDisabled);
          fields = { outcome: 'book_refused', reason: 'disabled' };
          break;
        case 'find':
        case 'free': {
          if (!known) {
            card = buildHelpCard({
              limits,
              reason: 'requested',
              chatType: job.chat_type,
              botName: botIdentity()?.name,
            });
            fields = { outcome: 'help', reason: 'directory_off' };
            break;
          }
          const result =
            command.kind === 'find'
              ? await known.find(command.words, messageId)
              : await known.free(command.minCapacity, command.words, messageId);
          card = result.card;
          fields = { ...result.fields, command: command.kind };
          break;
        }
        case 'lookup': {
          const result = await lookup(command.ids, {}, messageId);
          card = result.card;
          fields = {
            outcome: result.outcome,
            requested: command.ids.length,
            found: result.found,
            ...(command.implicit ? { implicit: true } : {}),
          };
          break;
        }
      }
      try {
        await messenger.replyWithCard(messageId, card, replyUuidFor(messageId));
      } catch (error) {
        logFeishuFailure(logger, error, messageId, 'reply failed');
        throw error;
      }
      logger.info({ ...base, ...fields, duration_ms: Date.now() - started }, 'message handled');
    },

    async handleCardAction(event) {
      const messageId = event.context?.open_message_id ?? '';
      const ids = refreshIds(event.action?.value, limits);
      if (!ids) {
        logger.warn({ message_id: messageId, tag: event.action?.tag }, 'card action not understood');
        return { toast: toast('warning', strings.toastButtonUnsupported) };
      }
      const result = await lookup(ids, { bypassCache: true }, messageId);
      logger.info(
        { message_id: messageId, outcome: `refresh_${result.outcome}`, requested: ids.length, found: result.found },
        'card action handled',
      );
      if (result.outcome !== 'found') {
        // Keep the card the user has; say why it was not refreshed.
        return { toast: toast('error', strings.toastRefreshFailed) };
      }
      return {
        toast: toast('success', strings.toastRefreshed),
        card: { type: 'raw', data: result.card },
      };
    },
  };
}

/** room_id → custom ID for the `omm_…` asked for, from the directory ('' when a room has none); unknown ones left out. */
function reverseMap(ids: readonly string[], view: DirectoryView | undefined): Map<string, string> | undefined {
  if (!view?.customIds) return undefined;
  const result = new Map<string, string>();
  for (const id of ids) {
    const room = isRoomId(id) ? view.byRoomId(id) : undefined;
    if (room) result.set(id, room.custom_room_id ?? '');
  }
  return result;
}

/** The value of `call`, or undefined (after telling `onError`) when it fails. */
async function orUndefined<T>(call: Promise<T>, onError: (error: unknown) => void): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    onError(error);
    return undefined;
  }
}

/** The IDs a Refresh button carries, re-checked against the same limits as a typed command. */
function refreshIds(value: unknown, limits: CommandLimits): string[] | undefined {
  if (!isJsonObject(value)) return undefined;
  const { action, ids } = value;
  if (action !== 'refresh' || !Array.isArray(ids) || ids.length === 0) return undefined;
  if (!ids.every((id): id is string => typeof id === 'string')) return undefined;
  // The value came back from a client: validate it exactly as a typed `/room` command would be.
  const command = parseCommand(
    { chat_type: 'p2p', message_type: 'text', content: JSON.stringify({ text: `/room -- ${ids.join(' ')}` }) },
    limits,
  );
  return command.kind === 'lookup' ? command.ids : undefined;
}

function errorCardFor(error: unknown, reference: string): ErrorCardInput {
  if (error instanceof FeishuApiError) {
    switch (error.kind) {
      case 'permission':
        return { problem: 'permission', scope: SCOPE_ROOM_READ };
      case 'rate_limited':
        return { problem: 'rate_limited' };
      case 'unavailable':
        return { problem: 'unavailable' };
      default:
        break;
    }
  }
  return { problem: 'internal', reference };
}

/** One log line for an operator: Feishu's code, msg and log_id when Feishu answered. */
function logFeishuFailure(logger: Logger, error: unknown, messageId: string, text: string): void {
  if (error instanceof FeishuApiError) logger.error({ message_id: messageId, ...error.toLog() }, text);
  else logger.error({ message_id: messageId, err: error }, text);
}
