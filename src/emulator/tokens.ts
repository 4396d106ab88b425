// tenant_access_token issuing and checking, as the token doc describes (自建应用获取 tenant_access_token):
// a token lives `expire` seconds; asking again while ≥ 30 min remain returns the same token, otherwise
// a new one (both stay valid until they expire).
import { newTenantToken } from './ids.js';

/** Who a bearer token belongs to: the tenant_key it was issued for, or undefined when it is unknown or expired. */
export interface TokenAuthority {
  tenantOf(token: string): string | undefined;
}

const REUSE_IF_REMAINING_MS = 30 * 60 * 1000;

interface IssuedToken {
  token: string;
  expiresAt: number;
}

export class TokenIssuer implements TokenAuthority {
  private readonly tokens = new Map<string, IssuedToken>();
  private latest: IssuedToken | undefined;

  constructor(
    private readonly expireSeconds: number,
    private readonly now: () => number,
    /** The tenant its tokens are for (a store app has one issuer per tenant). */
    readonly tenantKey = '',
    private readonly newToken: () => string = newTenantToken,
  ) {}

  /** The token to hand out and its remaining lifetime in whole seconds. */
  issue(): { token: string; expire: number } {
    const now = this.now();
    let current = this.latest;
    if (!current || current.expiresAt - now < REUSE_IF_REMAINING_MS) {
      current = { token: this.newToken(), expiresAt: now + this.expireSeconds * 1000 };
      this.tokens.set(current.token, current);
      this.latest = current;
    }
    return { token: current.token, expire: Math.max(0, Math.ceil((current.expiresAt - now) / 1000)) };
  }

  isValid(token: string): boolean {
    const issued = this.tokens.get(token);
    return issued !== undefined && issued.expiresAt > this.now();
  }

  tenantOf(token: string): string | undefined {
    return this.isValid(token) ? this.tenantKey : undefined;
  }

  /** Every token issued so far stops working now (the next issue() makes a new one). */
  expireAll(): void {
    const now = this.now();
    for (const issued of this.tokens.values()) issued.expiresAt = Math.min(issued.expiresAt, now);
    this.latest = undefined;
  }

  /** Tokens issued so far, oldest first. */
  issued(): string[] {
    return [...this.tokens.keys()];
  }
}
