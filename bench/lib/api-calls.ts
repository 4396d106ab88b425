// Feishu Open API calls as the emulator recorded them: the ground truth of what the bot asked Feishu.
import type { ApiName, BookingApiName, Emulator } from '../../src/emulator/index.js';

/** The APIs a lookup can call (booking's calendar and patch calls are not part of the bench). */
type LookupApi = Exclude<ApiName, BookingApiName>;
export type ApiCounts = Record<LookupApi, number>;

/** The APIs a message costs (the bench's per-message columns); bot_info is read once per process, at start. */
export const API_NAMES: readonly LookupApi[] = ['token', 'batch_get_id', 'batch_get', 'freebusy', 'reply'];

/** Calls recorded since `mark` (an earlier emulator.requests.length), by API. */
export function callsSince(emulator: Emulator, mark: number): ApiCounts {
  const counts: ApiCounts = {
    token: 0,
    batch_get_id: 0,
    batch_get: 0,
    freebusy: 0,
    reply: 0,
    bot_info: 0,
    building_list: 0,
    room_list: 0,
    room_levels: 0,
    vc_rooms: 0,
  };
  for (const request of emulator.requests.slice(mark))
    if (request.api && request.api in counts) counts[request.api as LookupApi] += 1;
  return counts;
}
