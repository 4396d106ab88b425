// Card builders: lookup result, help and error cards as Feishu card JSON 2.0 (pure, no I/O).
// Every text carries i18n_content for zh_cn and en_us (doc "配置卡片多语言"; JSON 2.0 allows only per-text i18n),
// with the English text as the fallback `content`. The Refresh button is a JSON 2.0 callback button
// (doc "处理回调": behaviors [{type: "callback", value}]) answered by card.action.trigger.
import {
  availabilityLine,
  clockTime,
  roomAvailability,
  type AvailabilityStyle,
  type RoomAvailability,
} from './availability.js';
import type { Card, FreeBusyInstance, RoomDetails, TimeWindow } from './ports.js';
import { displayId, type CommandLimits, type HelpReason, type InvalidIdReason } from './command.js';
import { directoryStrings, perLocale, strings, type Locale, type LocalizedText } from './i18n.js';
import { assembleCard, callbackButton, divider, markdown, type Element, type HeaderTemplate } from './card-elements.js';

export {
  assembleCard,
  callbackButton,
  divider,
  markdown,
  plainText,
  type CardParts,
  type Element,
  type HeaderTemplate,
} from './card-elements.js';
import { formatField, formatId, guardLineStart, isCodeSafe, oneLine } from './markdown.js';
import { bookingButtonRow, MAX_BOOKABLE_ROOMS } from './booking/buttons.js';
import type { BookingLimits } from './booking/slots.js';
import { bookingStrings } from './booking/strings.js';

/** Feishu rejects card messages over 30 KB (error 230025, doc "回复消息"). */
export const CARD_BYTE_LIMIT = 30 * 1024;
/**
 * What our cards may weigh, in UTF-8 bytes of the card JSON once it is JSON-encoded again as the `content`
 * string of the request body (see cardContentByteLength); leaves room for msg_type and uuid under the limit.
 */
export const CARD_BYTE_BUDGET = 28 * 1024;
/** A larger refresh value (JSON, UTF-8 bytes) drops the Refresh button: the card says to resend the command. */
export const REFRESH_VALUE_MAX_BYTES = 8 * 1024;

/** Longest shown room name, building, floor and description, in code points (longer ones end in "…"). */
const FIELD_MAX = { name: 60, building: 40, floor: 20, description: 120 } as const;
/** Longest bot name shown in the help card's examples, in code points. */
const BOT_NAME_MAX = 30;

/** UTF-8 bytes of JSON.stringify(card). */
export function cardByteLength(card: Card): number {
  return Buffer.byteLength(JSON.stringify(card), 'utf8');
}

/** UTF-8 bytes of the card as it travels: JSON-encoded into the `content` string of the message request. */
export function cardContentByteLength(card: Card): number {
  return Buffer.byteLength(JSON.stringify(JSON.stringify(card)), 'utf8');
}

export function fitsCardBudget(card: Card): boolean {
  return cardContentByteLength(card) <= CARD_BYTE_BUDGET;
}

// ── lookup result card ──────────────────────────────────────────────────────────────────────────────

export interface LookupCardInput {
  /** The custom room IDs asked for, in the order asked. */
  requested: readonly string[];
  /** custom_room_id → room_id for the IDs Feishu knows. */
  found: ReadonlyMap<string, string>;
  /** room_id → details, when they were loaded. */
  details?: ReadonlyMap<string, RoomDetails>;
  /** Details were asked for but could not be loaded: the card says so and still shows the IDs. */
  detailsUnavailable?: boolean;
  /** Free/busy of the found rooms; without it the card says nothing about availability. */
  availability?: AvailabilityInput;
  /** For `omm_…` asked for (reverse lookups): room_id → its custom ID; '' when it has none, absent when unknown. */
  customIdOf?: ReadonlyMap<string, string>;
  /** The directory has no custom IDs (the app lacks vc:room:readonly): reverse lookups say so. */
  customIdsMissingScope?: boolean;
  /** Not-found custom ID → up to 3 custom IDs (or names) of rooms the reader may have meant. */
  suggestions?: ReadonlyMap<string, readonly string[]>;
  /** Value sent back by the Refresh button (e.g. {action: 'refresh', ids: [...]}); no button without it. */
  refresh?: { value: Record<string, unknown> };
  /** Booking buttons on the rooms free now (BOOKING_ENABLED); none without it. */
  booking?: BookingLimits;
}

export interface AvailabilityInput {
  /** Now to the end of the day in timeZone (restOfDay): the span the lines speak about. */
  window: TimeWindow;
  /** IANA zone of the HH:MM times (ROOM_TIMEZONE). */
  timeZone: string;
  /** room_id → its bookings in the window; a room without an entry gets no line (Feishu did not say). */
  bookings?: ReadonlyMap<string, readonly FreeBusyInstance[]>;
  /** Free/busy was asked for but could not be loaded: the card says so in one line. */
  unavailable?: boolean;
}

/** How much of each found room is shown; the builder steps down until the card fits CARD_BYTE_BUDGET. */
type DetailLevel = 'full' | 'no_description' | 'name_only' | 'ids_only';

interface Layout {
  detail: DetailLevel;
  /** How a room's availability is shown, if at all. */
  availability: AvailabilityStyle | 'none';
  /** Most rows listed per section (found, not found); the rest are counted in "…and K more". */
  maxRows: number;
}

/** From most to least shown. A room's name goes before its availability: people look rooms up to use them. */
const LAYOUTS: readonly Omit<Layout, 'maxRows'>[] = [
  { detail: 'full', availability: 'full' },
  { detail: 'no_description', availability: 'full' },
  { detail: 'name_only', availability: 'full' },
  { detail: 'name_only', availability: 'short' },
  { detail: 'ids_only', availability: 'short' },
  { detail: 'ids_only', availability: 'none' },
];
/** The last resort, with fewer rows: the mappings are what was asked for. */
const SMALLEST_LAYOUT = { detail: 'ids_only', availability: 'none' } as const;

interface LookupFacts {
  foundIds: string[];
  notFoundIds: string[];
  input: LookupCardInput;
  refreshValue: Record<string, unknown> | undefined;
  /** room_id → free or busy, for the rooms that get an availability line (known, not disabled). */
  availability: ReadonlyMap<string, RoomAvailability>;
}

/** The lookup result card; always within CARD_BYTE_BUDGET, summarising long lists rather than failing. */
export function buildLookupCard(input: LookupCardInput): Card {
  const facts = lookupFacts(input);
  for (const layout of LAYOUTS) {
    const card = renderLookupCard(facts, { ...layout, maxRows: Number.POSITIVE_INFINITY });
    if (fitsCardBudget(card)) return card;
  }
  return renderLookupCard(facts, { ...SMALLEST_LAYOUT, maxRows: largestFittingRowCount(facts) });
}

function lookupFacts(input: LookupCardInput): LookupFacts {
  const requested = [...new Set(input.requested)];
  const foundIds = requested.filter((id) => input.found.has(id));
  return {
    foundIds,
    notFoundIds: requested.filter((id) => !input.found.has(id)),
    input,
    refreshValue: input.refresh && refreshValueFits(input.refresh.value) ? input.refresh.value : undefined,
    availability: availabilityByRoom(
      foundIds.map((id) => input.found.get(id) ?? ''),
      input,
    ),
  };
}

/**
 * Free or busy for each room whose details say it is in use: a disabled room keeps its disabled mark and is
 * never called free, and a room whose details are missing might be disabled, so it gets no line either.
 */
function availabilityByRoom(roomIds: readonly string[], input: LookupCardInput): Map<string, RoomAvailability> {
  const result = new Map<string, RoomAvailability>();
  const bookings = input.availability?.bookings;
  if (!input.availability || !bookings) return result;
  for (const roomId of roomIds) {
    const instances = bookings.get(roomId);
    const room = input.details?.get(roomId);
    if (instances && room && room.is_disabled !== true)
      result.set(roomId, roomAvailability(instances, input.availability.window));
  }
  return result;
}

function refreshValueFits(value: Record<string, unknown>): boolean {
  try {
    const json = JSON.stringify(value) as string | undefined;
    return json !== undefined && Buffer.byteLength(json, 'utf8') <= REFRESH_VALUE_MAX_BYTES;
  } catch {
    return false; // cyclic or BigInt: cannot be sent
  }
}

/** Binary search for the most rows per section that still fit (0 rows always fits: header, counts, button). */
function largestFittingRowCount(facts: LookupFacts): number {
  let low = 0;
  let high = Math.max(facts.foundIds.length, facts.notFoundIds.length);
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fitsCardBudget(renderLookupCard(facts, { ...SMALLEST_LAYOUT, maxRows: middle }))) low = middle;
    else high = middle - 1;
  }
  return low;
}

function renderLookupCard(facts: LookupFacts, layout: Layout): Card {
  const { foundIds, notFoundIds, input } = facts;
  const truncated = foundIds.length > layout.maxRows || notFoundIds.length > layout.maxRows;
  const elements: Element[] = [markdown(strings.mdSummary(foundIds.length, notFoundIds.length))];
  if (foundIds.length > 0) elements.push(markdown(foundSection(facts, layout)));
  if (layout.availability !== 'none') elements.push(...bookingRows(facts, layout.maxRows));
  if (foundIds.length > 0 && input.detailsUnavailable) elements.push(markdown(strings.detailsUnavailable, 'notation'));
  const availabilityNote = foundIds.length > 0 ? availabilityNoteFor(facts, layout) : undefined;
  if (availabilityNote) elements.push(markdown(availabilityNote, 'notation'));
  if (notFoundIds.length > 0) {
    elements.push(markdown(notFoundSection(notFoundIds, layout.maxRows)));
    const suggestions = layout.detail === 'ids_only' ? undefined : suggestionLines(notFoundIds, input.suggestions);
    if (suggestions) elements.push(markdown(suggestions));
    elements.push(markdown(strings.notFoundHint, 'notation'));
  }
  if (truncated) elements.push(markdown(strings.truncatedNote, 'notation'));
  if (input.refresh) {
    elements.push(divider());
    elements.push(
      facts.refreshValue
        ? callbackButton(strings.refreshButton, facts.refreshValue)
        : markdown(strings.refreshTooLarge, 'notation'),
    );
  }
  return assembleCard({
    title: strings.lookupTitle,
    template: lookupTemplate(foundIds.length, notFoundIds.length),
    summary: strings.plainSummary(foundIds.length, notFoundIds.length),
    elements,
  });
}

/** One row of Book buttons per room free now (the first MAX_BOOKABLE_ROOMS of those shown). */
function bookingRows(facts: LookupFacts, maxRows: number): Element[] {
  const { input } = facts;
  const availability = input.availability;
  if (!input.booking || !availability) return [];
  const rows: Element[] = [];
  for (const customRoomId of facts.foundIds.slice(0, maxRows)) {
    const roomId = input.found.get(customRoomId) ?? '';
    const state = facts.availability.get(roomId);
    if (!state) continue;
    const row = bookingButtonRow(
      { customRoomId, roomId },
      state,
      availability.window,
      availability.timeZone,
      input.booking,
    );
    if (row) rows.push(row);
    if (rows.length === MAX_BOOKABLE_ROOMS) break;
  }
  return rows;
}

/** "as of HH:MM (zone)" under the availability lines, or one line saying they could not be loaded. */
function availabilityNoteFor(facts: LookupFacts, layout: Layout): LocalizedText | undefined {
  const availability = facts.input.availability;
  if (availability?.unavailable) return strings.availabilityUnavailable;
  if (!availability || layout.availability === 'none' || facts.availability.size === 0) return undefined;
  return strings.availabilityAsOf(clockTime(availability.window.from, availability.timeZone), availability.timeZone);
}

function lookupTemplate(found: number, notFound: number): HeaderTemplate {
  if (found === 0 && notFound === 0) return 'grey';
  if (notFound === 0) return 'green';
  return found === 0 ? 'red' : 'orange';
}

function foundSection(facts: LookupFacts, layout: Layout): LocalizedText {
  const shown = facts.foundIds.slice(0, layout.maxRows);
  const hidden = facts.foundIds.length - shown.length;
  const gap = layout.detail === 'full' || layout.detail === 'no_description' ? '\n\n' : '\n';
  return perLocale((locale) => {
    const rows = shown.map((id) => foundRow(id, facts, layout, locale));
    if (hidden > 0) rows.push(strings.mdMore(hidden)[locale]);
    return [strings.mdFoundHeading(facts.foundIds.length)[locale], ...rows].join(gap);
  });
}

/**
 * "`test01` → `omm_…`", then (by layout) name, capacity, building, floor, availability, description; the
 * disabled mark always.
 */
function foundRow(customRoomId: string, facts: LookupFacts, layout: Layout, locale: Locale): string {
  const { input } = facts;
  const { detail } = layout;
  const roomId = input.found.get(customRoomId) ?? '';
  const room = input.details?.get(roomId);
  const mapping = mappingOf(customRoomId, roomId, input, locale);
  const disabled = room?.is_disabled === true ? strings.mdDisabled[locale] : undefined;
  const availability = availabilityOf(roomId, facts, layout)?.[locale];
  if (room === undefined || detail === 'ids_only' || detail === 'name_only') {
    const name = detail === 'name_only' && room?.name ? formatField(room.name, FIELD_MAX.name) : undefined;
    return [mapping, name, availability, disabled].filter(isPresent).join(' · ');
  }
  const lines = [mapping];
  const roomLine = [...roomFacts(room, locale), disabled].filter(isPresent);
  if (roomLine.length > 0) lines.push(guardLineStart(roomLine.join(' · ')));
  if (availability) lines.push(availability);
  if (detail === 'full' && room.description?.trim()) {
    lines.push(strings.description(formatField(room.description, FIELD_MAX.description))[locale]);
  }
  return lines.join('\n');
}

/** "`test01` → `omm_…`"; for an `omm_…` asked for, "`omm_…` ← `test01`" (its custom ID, when known). */
function mappingOf(asked: string, roomId: string, input: LookupCardInput, locale: Locale): string {
  if (asked !== roomId) return `${formatId(asked)} → ${formatId(roomId)}`;
  if (input.customIdsMissingScope) return `${formatId(roomId)} · ${directoryStrings.customIdUnknown[locale]}`;
  const customId = input.customIdOf?.get(roomId);
  if (customId === undefined) return formatId(roomId);
  return customId === ''
    ? `${formatId(roomId)} ${directoryStrings.noCustomId[locale]}`
    : `${formatId(roomId)} ← ${formatId(customId)}`;
}

function availabilityOf(roomId: string, facts: LookupFacts, layout: Layout): LocalizedText | undefined {
  const availability = facts.availability.get(roomId);
  const timeZone = facts.input.availability?.timeZone;
  if (!availability || !timeZone || layout.availability === 'none') return undefined;
  return availabilityLine(availability, timeZone, layout.availability);
}

export function roomFacts(room: RoomDetails, locale: Locale): string[] {
  const facts: string[] = [];
  if (room.name?.trim()) facts.push(formatField(room.name, FIELD_MAX.name));
  if (typeof room.capacity === 'number' && Number.isFinite(room.capacity) && room.capacity > 0) {
    facts.push(strings.capacity(Math.round(room.capacity))[locale]);
  }
  if (room.building_name?.trim())
    facts.push(strings.building(formatField(room.building_name, FIELD_MAX.building))[locale]);
  if (room.floor_name?.trim()) facts.push(strings.floor(formatField(room.floor_name, FIELD_MAX.floor))[locale]);
  return facts;
}

function notFoundSection(notFoundIds: readonly string[], maxRows: number): LocalizedText {
  const shown = notFoundIds.slice(0, maxRows).map(formatId);
  const hidden = notFoundIds.length - shown.length;
  return perLocale((locale) => {
    const list = shown.join(locale === 'zh_cn' ? '、' : ', ');
    const lines = [
      strings.mdNotFoundHeading(notFoundIds.length)[locale],
      list,
      hidden > 0 ? strings.mdMore(hidden)[locale] : '',
    ];
    return lines.filter((line) => line !== '').join('\n');
  });
}

/** "`test0l`: did you mean `test01`" per not-found ID that has suggestions (the first 5 such IDs). */
function suggestionLines(
  notFoundIds: readonly string[],
  suggestions: ReadonlyMap<string, readonly string[]> | undefined,
): LocalizedText | undefined {
  const rows = notFoundIds
    .filter((id) => (suggestions?.get(id)?.length ?? 0) > 0)
    .slice(0, 5)
    .map((id) => ({ id, meant: suggestions!.get(id)!.slice(0, 3).map(formatId).join(', ') }));
  if (rows.length === 0) return undefined;
  return perLocale((locale) =>
    rows.map(({ id, meant }) => `${formatId(id)}: ${directoryStrings.mdDidYouMean(meant)[locale]}`).join('\n'),
  );
}

function isPresent<T>(value: T | undefined): value is T {
  return value !== undefined && value !== '';
}

// ── help card ───────────────────────────────────────────────────────────────────────────────────────

export interface HelpCardOptions {
  limits: CommandLimits;
  /** Why help is shown; for a message that was not a command, the card says it only understands /room. */
  reason?: HelpReason;
  /** Where the card is posted (the message's chat_type): in a group the examples @mention the bot. */
  chatType?: string;
  /** The bot's name as members see it (bot/v3/info app_name), for the examples' "@<name>". */
  botName?: string;
}

export function buildHelpCard(options: HelpCardOptions): Card {
  const { limits } = options;
  const misunderstood = options.reason !== undefined && options.reason !== 'requested' && options.reason !== 'no_ids';
  const form = options.chatType === undefined || options.chatType === 'p2p' ? 'p2p' : 'group';
  const elements: Element[] = [];
  if (misunderstood) elements.push(markdown(strings.mdHelpNotACommand));
  elements.push(
    markdown(strings.mdHelpUsage(form, botMention(options.botName))),
    markdown(directoryStrings.mdHelpDirectory),
    markdown(strings.mdHelpLimits(limits.maxIds, limits.maxIdLength)),
    divider(),
    markdown(strings.mdHelpPermissions, 'notation'),
  );
  return assembleCard({ title: strings.helpTitle, template: 'blue', elements });
}

/** "@<bot name>" as typed in the examples (inline code): Feishu's name when it is safe there, else a generic one. */
function botMention(botName: string | undefined): LocalizedText {
  const name = botName === undefined ? '' : oneLine(botName, BOT_NAME_MAX);
  return perLocale((locale) => `@${name !== '' && isCodeSafe(name) ? name : strings.botFallbackName[locale]}`);
}

// ── error cards ─────────────────────────────────────────────────────────────────────────────────────

/** What went wrong, as a reader needs it; invalid Commands from parseCommand fit as they are. */
export type ErrorCardInput =
  | {
      problem: 'permission';
      /** The missing scope, e.g. "calendar:room:readonly"; omitted → list the scopes. */ scope?: string;
    }
  | { problem: 'rate_limited' }
  | { problem: 'unavailable' }
  | { problem: 'too_many_ids'; count: number; max: number }
  | { problem: 'invalid_id'; id: string; reason: InvalidIdReason; max: number }
  | { problem: 'internal'; /** Short reference for operators (e.g. the message_id or a log id). */ reference?: string }
  | { problem: 'book_usage' };

export type ErrorProblem = ErrorCardInput['problem'];

const SCOPE_SHAPE = /^[A-Za-z0-9_.:-]{1,80}$/;
const REFERENCE_SHAPE = /^[A-Za-z0-9_.:-]{1,64}$/;

export function buildErrorCard(error: ErrorCardInput): Card {
  const { title, body } = errorText(error);
  return assembleCard({
    title,
    template: error.problem === 'rate_limited' ? 'orange' : 'red',
    elements: body.map((text) => markdown(text)),
  });
}

function errorText(error: ErrorCardInput): { title: LocalizedText; body: LocalizedText[] } {
  switch (error.problem) {
    case 'permission':
      return {
        title: strings.permissionTitle,
        body: [
          error.scope !== undefined && SCOPE_SHAPE.test(error.scope)
            ? strings.mdPermissionScope(error.scope)
            : strings.mdPermissionAny,
        ],
      };
    case 'rate_limited':
      return { title: strings.rateLimitedTitle, body: [strings.rateLimited] };
    case 'unavailable':
      return { title: strings.unavailableTitle, body: [strings.unavailable] };
    case 'too_many_ids':
      return { title: strings.tooManyIdsTitle, body: [strings.tooManyIds(error.count, error.max)] };
    case 'invalid_id': {
      const id = formatId(displayId(error.id));
      const body =
        error.reason === 'too_long' ? strings.mdInvalidIdTooLong(id, error.max) : strings.mdInvalidIdControl(id);
      return { title: strings.invalidIdTitle, body: [body] };
    }
    case 'book_usage':
      return { title: bookingStrings.titleBadSlot, body: [bookingStrings.mdBookUsage] };
    case 'internal': {
      const reference =
        error.reference !== undefined && REFERENCE_SHAPE.test(error.reference) ? error.reference : undefined;
      return {
        title: strings.internalTitle,
        body: reference ? [strings.internal, strings.mdInternalReference(reference)] : [strings.internal],
      };
    }
  }
}
