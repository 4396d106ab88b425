// RFC 3339 date-times (section 5.6) as the meeting_room APIs take and give them: read strictly, so that a
// time Feishu would refuse (100003 "time format must follow RFC3339 standard", 会议室错误码) is refused here.

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** epoch ms of an RFC 3339 date-time, or undefined for anything else (no lenient Date.parse: 02-30 is no date). */
export function parseRfc3339(text: string): number | undefined {
  const match = DATE_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
    return undefined;
  const [offsetHours, offsetMinutes] = [Number(match[9] ?? 0), Number(match[10] ?? 0)];
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const offsetMs = (match[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  const fractionMs = match[7] ? Math.floor(Number(match[7]) * 1000) : 0;
  return Date.UTC(year, month - 1, day, hour, minute, second) + fractionMs - offsetMs;
}

/** epoch ms → RFC 3339 at a fixed UTC offset, whole seconds: 2021-04-27T00:00:00+08:00 (the doc's example). */
export function formatRfc3339(instant: number, offsetMinutes: number): string {
  const local = new Date(Math.floor(instant / 1000) * 1000 + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const magnitude = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(magnitude / 60)).padStart(2, '0')}:${String(magnitude % 60).padStart(2, '0')}`;
}
