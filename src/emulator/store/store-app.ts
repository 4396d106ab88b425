// A store app (商店应用) as Feishu runs one: the app_ticket it pushes (hourly, and on resend), the
// app_access_token it issues for the current ticket, and the tenants that installed the app, each with its own
// rooms, bot identity and tenant_access_tokens. Docs: 商店应用获取 app_access_token / tenant_access_token,
// 重新获取 app_ticket, app_ticket 事件, 应用停启用, 应用卸载.
import { createHash, randomBytes } from 'node:crypto';
import type { TenantIdentity } from '../events/envelopes.js';
import { RoomCatalog, type EmulatedRoom } from '../rooms.js';
import { TokenIssuer, type TokenAuthority } from '../tokens.js';

/** installed: the app works there; stopped: 停用 (stop_by_tenant / stop_by_platform); uninstalled: removed. */
export type TenantStatus = 'installed' | 'stopped' | 'uninstalled';

export interface StoreTenant {
  readonly identity: TenantIdentity;
  readonly rooms: RoomCatalog;
  readonly tokens: TokenIssuer;
  status: TenantStatus;
}

/** Why a token endpoint refuses: Feishu's code and msg (see api/errors.ts). */
export type Refusal = 'ticket' | 'app_token' | 'not_installed' | 'stopped';

/** An app_access_token: "a-" and 40 hex characters, as in the doc's example. */
const newAppToken = () => `a-${randomBytes(20).toString('hex')}`;

export class StoreApp implements TokenAuthority {
  private ticket: string | undefined;
  private ticketCount = 0;
  private readonly appTokens: TokenIssuer;
  private readonly tenants = new Map<string, StoreTenant>();
  /** tenant_access_token → its tenant: one map for every tenant, so a request finds its tenant at once. */
  private readonly owners = new Map<string, StoreTenant>();

  constructor(
    private readonly expireSeconds: number,
    private readonly now: () => number,
  ) {
    this.appTokens = new TokenIssuer(expireSeconds, now, '', newAppToken);
  }

  /** A new app_ticket; the one before it is refused from now on (the emulator is stricter than Feishu here). */
  nextTicket(): string {
    this.ticketCount += 1;
    this.ticket = randomBytes(16).toString('hex');
    return this.ticket;
  }

  currentTicket(): string | undefined {
    return this.ticket;
  }

  /** How many tickets were pushed so far. */
  ticketsIssued(): number {
    return this.ticketCount;
  }

  issueAppToken(ticket: unknown): { token: string; expire: number } | Refusal {
    if (this.ticket === undefined || ticket !== this.ticket) return 'ticket';
    return this.appTokens.issue();
  }

  issueTenantToken(appToken: unknown, tenantKey: unknown): { token: string; expire: number } | Refusal {
    if (typeof appToken !== 'string' || !this.appTokens.isValid(appToken)) return 'app_token';
    const tenant = typeof tenantKey === 'string' ? this.tenants.get(tenantKey) : undefined;
    if (!tenant || tenant.status === 'uninstalled') return 'not_installed';
    if (tenant.status === 'stopped') return 'stopped';
    const issued = tenant.tokens.issue();
    this.owners.set(issued.token, tenant);
    return issued;
  }

  /** A tenant token's tenant, while the token is valid and the app works there. */
  tenantOf(token: string): string | undefined {
    const tenant = this.owners.get(token);
    if (!tenant || tenant.status !== 'installed' || !tenant.tokens.isValid(token)) return undefined;
    return tenant.identity.tenantKey;
  }

  add(identity: TenantIdentity, rooms: readonly EmulatedRoom[]): StoreTenant {
    const tenant: StoreTenant = {
      identity,
      rooms: new RoomCatalog(rooms),
      tokens: new TokenIssuer(this.expireSeconds, this.now, identity.tenantKey),
      status: 'installed',
    };
    this.tenants.set(identity.tenantKey, tenant);
    return tenant;
  }

  get(tenantKey: string): StoreTenant | undefined {
    return this.tenants.get(tenantKey);
  }

  list(): StoreTenant[] {
    return [...this.tenants.values()];
  }

  /** Stopping or removing the app ends its tokens there at once. */
  setStatus(tenantKey: string, status: TenantStatus): StoreTenant {
    const tenant = this.tenants.get(tenantKey);
    if (!tenant) throw new Error(`no tenant ${tenantKey} in this store app`);
    tenant.status = status;
    if (status !== 'installed') tenant.tokens.expireAll();
    return tenant;
  }

  /** Every app and tenant token stops working now. */
  expireAll(): void {
    this.appTokens.expireAll();
    for (const tenant of this.tenants.values()) tenant.tokens.expireAll();
  }

  /** Tenant tokens issued so far, oldest first per tenant. */
  issuedTenantTokens(): string[] {
    return this.list().flatMap((tenant) => tenant.tokens.issued());
  }
}

/**
 * The same rooms under other room_ids and building_ids, derived from the tenant_key: another company's
 * `test01` is another room. The first tenant keeps the seed as it is.
 */
export function roomsForTenant(seed: readonly EmulatedRoom[], tenantKey: string): EmulatedRoom[] {
  const derive = (prefix: string, id: string) =>
    `${prefix}_${createHash('md5').update(`${tenantKey}:${id}`).digest('hex')}`;
  return seed.map((room) => ({
    ...room,
    room_id: derive('omm', room.room_id),
    building_id: derive('omb', room.building_id),
  }));
}
