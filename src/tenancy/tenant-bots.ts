// The bots of a store app's tenants: one per tenant, made on its first message or click and kept until the
// tenant stops or removes the app. Each is the same RoomBot as a self-built app's, given adapters that call
// Feishu as that tenant and a cache under that tenant's prefix: nothing one tenant's bot does can read or
// answer with another tenant's data.
import type { CardActionIntake } from '../bot/card-actions.js';
import type { RoomBot } from '../bot/handler.js';
import type { BookingRunner } from '../bot/intake.js';
import type { DirectorySync } from '../state/directory-sync.js';

/** Feishu calls a bot made, by API, and whether it knows its own identity: what /stats and the bench read. */
export interface BotCallStats {
  batchGetIdCalls: number;
  batchGetCalls: number;
  freeBusyCalls: number;
  replyCalls: number;
  patchCalls: number;
  calendarCalls: number;
  botInfoCalls: number;
  /** Whether bot/v3/info has answered: until then group messages count as addressed only by /room. */
  botIdentityKnown: boolean;
  /** Directory sync calls: building/list, room/list, vc room_levels and rooms. */
  directoryCalls: number;
}

export interface TenantBot {
  bot: RoomBot;
  onCardAction: CardActionIntake;
  /** Runs this tenant's booking jobs, as this tenant; undefined when booking is off (BOOKING_ENABLED). */
  bookings: BookingRunner | undefined;
  /** Feishu calls made for this tenant, by API (the benchmark's figures). */
  stats(): BotCallStats;
  /** The tenant's room directory, synced in the background once started. */
  directory: DirectorySync;
  /** Stops its background work (the bot's identity retries, the directory sync). */
  stop(): void;
}

export interface TenantBots {
  get(tenantKey: string): TenantBot;
  /** Forgets the tenant's bot (it stopped or removed the app); the next message makes a new one. */
  drop(tenantKey: string): void;
  all(): TenantBot[];
  readonly size: number;
  stopAll(): void;
}

export function createTenantBots(make: (tenantKey: string) => TenantBot): TenantBots {
  const bots = new Map<string, TenantBot>();
  return {
    get(tenantKey) {
      let bot = bots.get(tenantKey);
      if (!bot) bots.set(tenantKey, (bot = make(tenantKey)));
      return bot;
    },
    drop(tenantKey) {
      bots.get(tenantKey)?.stop();
      bots.delete(tenantKey);
    },
    all: () => [...bots.values()],
    get size() {
      return bots.size;
    },
    stopAll() {
      for (const bot of bots.values()) bot.stop();
    },
  };
}
