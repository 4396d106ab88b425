// The configuration as app.config.json sets it (no environment, no APP_CONFIG): what tests pass where the bot
// passes its configured values, so that no default lives in two places.
import type { CommandLimits } from '../../src/bot/command.js';
import { loadConfig } from '../../src/config.js';

export const CONFIGURED = loadConfig({});

/** lookup.maxIds and lookup.maxIdLength as configured. */
export const CONFIGURED_LIMITS: CommandLimits = {
  maxIds: CONFIGURED.lookup.maxIds,
  maxIdLength: CONFIGURED.lookup.maxIdLength,
};
