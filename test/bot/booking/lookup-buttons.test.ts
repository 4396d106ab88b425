import { describe, expect, it } from 'vitest';
import { restOfDay } from '../../../src/bot/availability.js';
import { buildLookupCard } from '../../../src/bot/card.js';
import { renderCardAsText } from '../../../src/local/render-text.js';

const ZONE = 'Asia/Shanghai';
const NOW = Date.UTC(2026, 11, 8, 6, 0); // 14:00 in Shanghai
const window = restOfDay(NOW, ZONE);
const at = (minutes: number) => new Date(NOW + minutes * 60_000).toISOString();

function card(booking?: { maxMinutes: number }) {
  const found = new Map([
    ['free', 'omm_free'],
    ['soon', 'omm_soon'],
    ['busy', 'omm_busy'],
  ]);
  const details = new Map([...found.values()].map((id) => [id, { room_id: id, name: id }]));
  const bookings = new Map([
    ['omm_free', []],
    ['omm_soon', [{ start_time: at(45), end_time: at(90) }]],
    ['omm_busy', [{ start_time: at(-10), end_time: at(30) }]],
  ]);
  return buildLookupCard({
    requested: ['free', 'soon', 'busy'],
    found,
    details,
    availability: { window, timeZone: ZONE, bookings },
    ...(booking ? { booking } : {}),
  });
}

describe('Book buttons on the lookup card', () => {
  it('free rooms get the buttons that fit before their next booking; busy rooms none', () => {
    const text = renderCardAsText(card({ maxMinutes: 240 }), 'en_us');
    expect(text).toContain('`free`\n[Book 30 min]\n[Book 1 h]');
    expect(text).toContain('`soon`\n[Book 30 min]\n[Book until 14:45]');
    expect(text).not.toContain('`busy`\n[Book');
  });

  it('without booking settings (BOOKING_ENABLED=false) there are no buttons', () => {
    expect(JSON.stringify(card())).not.toContain('"action":"book"');
  });
});
