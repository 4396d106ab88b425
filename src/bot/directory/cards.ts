// The directory's cards: /room find results, /room free results, and "still loading" (pure; Feishu card JSON 2.0
// through card.ts's builders, both languages).
import { availabilityLine, clockTime, type RoomAvailability } from '../availability.js';
import { assembleCard, markdown, roomFacts, type Element } from '../card.js';
import { directoryStrings as text, perLocale, strings, type Locale, type LocalizedText } from '../i18n.js';
import { formatField, formatId, guardLineStart } from '../markdown.js';
import type { Card } from '../ports.js';
import type { FreeRoom } from './free.js';
import type { DirectoryRoom } from './model.js';

/** Longest query echoed on the card, in code points. */
const QUERY_MAX = 60;

export interface RoomRow {
  room: DirectoryRoom;
  /** Free or busy now; absent: not known (free/busy failed, or the room is disabled). */
  availability?: RoomAvailability;
}

/** "`test01` → `omm_…`" (or the room_id alone without a custom ID), its facts, its availability. */
function roomRow(row: RoomRow, timeZone: string, locale: Locale): string {
  const { room } = row;
  const ids =
    room.custom_room_id !== undefined
      ? `${formatId(room.custom_room_id)} → ${formatId(room.room_id)}`
      : formatId(room.room_id);
  const lines = [ids];
  const facts = [...roomFacts(room, locale), ...(room.is_disabled ? [strings.mdDisabled[locale]] : [])];
  if (facts.length > 0) lines.push(guardLineStart(facts.join(' · ')));
  if (row.availability && !room.is_disabled) lines.push(availabilityLine(row.availability, timeZone, 'full')[locale]);
  return lines.join('\n');
}

function rowsText(rows: readonly RoomRow[], timeZone: string): LocalizedText {
  return perLocale((locale) => rows.map((row) => roomRow(row, timeZone, locale)).join('\n\n'));
}

function asOf(syncedAt: number, timeZone: string): Element {
  return markdown(text.asOf(clockTime(syncedAt, timeZone)), 'notation');
}

export interface FindCardInput {
  words: readonly string[];
  rows: readonly RoomRow[];
  total: number;
  timeZone: string;
  /** When the directory was synced (the card says how fresh it is). */
  syncedAt: number;
  /** Free/busy could not be loaded: one line says so. */
  availabilityUnavailable?: boolean;
}

export function buildFindCard(input: FindCardInput): Card {
  const query = formatId(formatField(input.words.join(' '), QUERY_MAX));
  const elements: Element[] = [markdown(text.mdFindSummary(input.rows.length, input.total, query))];
  if (input.rows.length === 0) elements.push(markdown(text.findNone));
  else elements.push(markdown(rowsText(input.rows, input.timeZone)));
  if (input.total > input.rows.length) elements.push(markdown(text.mdFindMore(input.total - input.rows.length)));
  if (input.availabilityUnavailable) elements.push(markdown(strings.availabilityUnavailable, 'notation'));
  elements.push(asOf(input.syncedAt, input.timeZone));
  return assembleCard({
    title: text.findTitle,
    template: input.rows.length === 0 ? 'grey' : 'blue',
    summary: perLocale((locale) => `${text.findTitle[locale]}: ${input.total}`),
    elements,
  });
}

export interface FreeCardInput {
  rooms: readonly FreeRoom[];
  minMinutes: number;
  minCapacity?: number;
  /** Candidates asked about, and how many rooms fit the filter in all. */
  checked: number;
  matching: number;
  timeZone: string;
  syncedAt: number;
  availabilityUnavailable?: boolean;
}

export function buildFreeCard(input: FreeCardInput): Card {
  const rows: RoomRow[] = input.rooms.map((free) => ({
    room: free.room,
    availability: free.until === undefined ? { state: 'free' } : { state: 'free', until: free.until },
  }));
  const elements: Element[] = [
    markdown(text.mdFreeSummary(rows.length, input.minMinutes, input.minCapacity)),
    markdown(
      input.availabilityUnavailable
        ? strings.availabilityUnavailable
        : rows.length === 0
          ? text.freeNone(input.minMinutes)
          : rowsText(rows, input.timeZone),
    ),
    markdown(text.freeChecked(input.checked, input.matching), 'notation'),
    asOf(input.syncedAt, input.timeZone),
  ];
  return assembleCard({
    title: text.freeTitle,
    template: rows.length === 0 ? 'grey' : 'green',
    summary: perLocale((locale) => `${text.freeTitle[locale]}: ${rows.length}`),
    elements,
  });
}

export function buildLoadingCard(): Card {
  return assembleCard({ title: text.loadingTitle, template: 'orange', elements: [markdown(text.loading)] });
}
