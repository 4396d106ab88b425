// The Feishu side of `npm run doctor`: the app credentials (a tenant token), the meeting-room scope (a probe
// lookup), and the event settings. Calls go through the same client, token provider and room directory
// the bot uses, so a pass means the bot's own calls would pass.
import type { BookingCalendar, RoomDirectory } from '../bot/ports.js';
import type { AppConfig } from '../config.js';
import { FeishuApiError } from '../errors.js';
import { callWithRetry, type CallPolicy } from '../feishu/call-with-retry.js';
import { createFeishuBookingCalendar } from '../feishu/calendar.js';
import { createFeishuClient, withTenantToken } from '../feishu/client.js';
import { createFeishuRoomDirectory } from '../feishu/rooms.js';
import { createTenantTokenProvider, type TenantTokenProvider } from '../feishu/token.js';
import type { Logger } from '../log.js';
import { fail, pass, warn, type CheckResult } from './report.js';

export interface FeishuProbe {
  appId: string;
  domain: string;
  tokens: TenantTokenProvider;
  directory: RoomDirectory;
  calendar: BookingCalendar;
  /** One vc/v1 room_levels page: answered only when the app holds vc:room:readonly. */
  listRoomLevels: () => Promise<unknown>;
}

/** A custom room ID no tenant is expected to use: the lookup only has to be answered, not to find it. */
export const PROBE_CUSTOM_ROOM_ID = 'roombot-doctor-probe-0000';

// 通用错误码: 10003 invalid param (an app_id Feishu does not know), 10014 app secret invalid.
const CREDENTIAL_CODES = new Set([10003, 10014]);
// 通用错误码 99991672: the app lacks the scope the API needs (the scope must be enabled and a version published).
const SCOPE_MISSING = 99991672;
const SCOPE_ROOM_READ = 'calendar:room:readonly';
const SCOPE_CALENDAR = 'calendar:calendar';

export function createFeishuProbe(feishu: AppConfig['feishu'], logger: Logger): FeishuProbe {
  const policy: CallPolicy = { maxAttempts: feishu.maxAttempts, logger };
  const client = createFeishuClient({ ...feishu, logger });
  const tokens = createTenantTokenProvider(client, feishu, policy);
  const directory = createFeishuRoomDirectory({ client, tokens, policy, batchSize: 1, cacheTtlMs: 0 });
  const calendar = createFeishuBookingCalendar({ client, tokens, policy, timeZone: 'UTC' });
  const listRoomLevels = () =>
    callWithRetry(
      'vc.room_level.list',
      policy,
      (token) => client.vc.v1.roomLevel.list({ params: { page_size: 1 } }, withTenantToken(token)),
      tokens,
    );
  return { appId: feishu.appId, domain: feishu.domain, tokens, directory, calendar, listRoomLevels };
}

/** Feishu's own words about a failed call, for the end of a line. */
function said(error: FeishuApiError): string {
  const parts = [
    error.httpStatus !== undefined ? `HTTP ${error.httpStatus}` : undefined,
    error.code !== undefined ? `code ${error.code}` : undefined,
  ];
  const where = parts.filter(Boolean).join(', ');
  return `${where}${where && error.feishuMsg ? ': ' : ''}${error.feishuMsg ?? ''}${error.logId ? `, log_id ${error.logId}` : ''}`;
}

/** A failure no Feishu answer explains: the network, a timeout, a 5xx, or something that is not the Open API. */
function unreachable(name: string, error: FeishuApiError, domain: string): CheckResult | undefined {
  if (error.kind === 'unavailable' && error.httpStatus === undefined) {
    return fail(
      name,
      `cannot reach FEISHU_DOMAIN ${domain} (${error.feishuMsg ?? 'no answer'}): check the URL, DNS, proxy and firewall`,
    );
  }
  if (error.kind === 'unavailable')
    return fail(name, `Feishu at FEISHU_DOMAIN ${domain} is failing (${said(error)}): try again later`);
  if (error.code === undefined) {
    return fail(
      name,
      `FEISHU_DOMAIN ${domain} did not answer as Feishu's Open API (${said(error)}): check FEISHU_DOMAIN`,
    );
  }
  return undefined;
}

export async function checkCredentials(probe: FeishuProbe): Promise<CheckResult> {
  const name = 'credentials';
  try {
    await probe.tokens.get();
    return pass(name, `Feishu issued a tenant token to ${probe.appId} (${probe.domain})`);
  } catch (error) {
    if (!(error instanceof FeishuApiError)) return fail(name, `token request failed: ${(error as Error).message}`);
    if (error.code !== undefined && CREDENTIAL_CODES.has(error.code)) {
      return fail(
        name,
        `FEISHU_APP_ID / FEISHU_APP_SECRET rejected (${said(error)}): copy both from the app's Credentials & Basic Info page`,
      );
    }
    return (
      unreachable(name, error, probe.domain) ??
      fail(name, `Feishu refused the token request (${said(error)}): check FEISHU_APP_ID / FEISHU_APP_SECRET`)
    );
  }
}

/** batch_get_id of an ID that does not exist: answered only when the app holds calendar:room:readonly. */
export async function checkRoomScope(probe: FeishuProbe): Promise<CheckResult> {
  const name = 'room scope';
  try {
    await probe.directory.findRoomIds([PROBE_CUSTOM_ROOM_ID]);
    return pass(name, `${SCOPE_ROOM_READ} granted (a probe batch_get_id lookup was answered)`);
  } catch (error) {
    if (!(error instanceof FeishuApiError)) return fail(name, `probe lookup failed: ${(error as Error).message}`);
    if (error.code === SCOPE_MISSING || error.kind === 'permission') {
      return fail(
        name,
        `enable ${SCOPE_ROOM_READ} in the developer console, then publish a version (batch_get_id: ${said(error)})`,
      );
    }
    return (
      unreachable(name, error, probe.domain) ??
      fail(name, `the probe lookup was refused (batch_get_id: ${said(error)})`)
    );
  }
}

/**
 * Booking (BOOKING_ENABLED) books with the app's own calendar: reading its primary calendar is answered only
 * with a calendar scope. The probe makes nothing; the same scope creates events and adds attendees.
 */
export async function checkCalendarScope(probe: FeishuProbe): Promise<CheckResult> {
  const name = 'calendar scope';
  try {
    await probe.calendar.primaryCalendarId('doctor');
    return pass(name, `${SCOPE_CALENDAR} granted (the app's primary calendar was read), so the bot can book rooms`);
  } catch (error) {
    if (!(error instanceof FeishuApiError)) return fail(name, `probe failed: ${(error as Error).message}`);
    if (error.code === SCOPE_MISSING || error.kind === 'permission') {
      return fail(
        name,
        `enable ${SCOPE_CALENDAR} in the developer console and publish a version, or set BOOKING_ENABLED=false (calendar primary: ${said(error)})`,
      );
    }
    return (
      unreachable(name, error, probe.domain) ?? fail(name, `the probe was refused (calendar primary: ${said(error)})`)
    );
  }
}

const SCOPE_VC_ROOM_READ = 'vc:room:readonly';

/** vc/v1 room_levels: with vc:room:readonly the room directory knows custom IDs; without it, it works without them. */
export async function checkDirectoryScope(probe: FeishuProbe): Promise<CheckResult> {
  const name = 'directory scope';
  try {
    await probe.listRoomLevels();
    return pass(name, `${SCOPE_VC_ROOM_READ} granted: the room directory knows custom room IDs`);
  } catch (error) {
    if (error instanceof FeishuApiError && (error.code === SCOPE_MISSING || error.kind === 'permission')) {
      return warn(
        name,
        `${SCOPE_VC_ROOM_READ} not granted: /room find and /room free work, but without custom room IDs; enable it and publish a version to have them`,
      );
    }
    if (!(error instanceof FeishuApiError)) return fail(name, `probe failed: ${(error as Error).message}`);
    return unreachable(name, error, probe.domain) ?? fail(name, `the probe was refused (room_levels: ${said(error)})`);
  }
}

/** How events reach the bot, when this version of the configuration knows more than one way. */
function eventModeOf(config: AppConfig): string | undefined {
  const feishu: Record<string, unknown> = config.feishu;
  return typeof feishu.eventMode === 'string' ? feishu.eventMode : undefined;
}

/** Webhook pushes should be signed and encrypted (FEISHU_ENCRYPT_KEY) and carry the token (FEISHU_VERIFICATION_TOKEN). */
export function checkEventMode(config: AppConfig): CheckResult {
  const name = 'event mode';
  const mode = eventModeOf(config);
  if (mode !== undefined && mode !== 'webhook') {
    return pass(
      name,
      `${mode} (FEISHU_EVENT_MODE): the bot opens the connection; no request URL, Encrypt Key or Verification Token needed`,
    );
  }
  const label = mode === undefined ? 'webhook (the only event mode of this version)' : 'webhook (FEISHU_EVENT_MODE)';
  const missing: string[] = [];
  if (!config.feishu.encryptKey)
    missing.push(
      'FEISHU_ENCRYPT_KEY (pushes are neither encrypted nor signed: anyone who finds the URL can post events)',
    );
  if (!config.feishu.verificationToken) missing.push('FEISHU_VERIFICATION_TOKEN (the token in pushes is not checked)');
  if (missing.length === 0) return pass(name, `${label}: pushes signed and encrypted, token checked`);
  return warn(name, `${label}: set ${missing.join(' and ')}; both are under Events & Callbacks > Encryption strategy`);
}
