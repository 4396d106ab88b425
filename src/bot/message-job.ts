// What the intake records for one accepted message, and what a worker answers from: plain JSON data,
// parsed once at intake, so a record survives restarts and can be answered by another replica.
import type { Command } from './command.js';

/** What is recorded for one accepted message: everything its answer needs, parsed once at intake. */
export interface MessageJob {
  message_id: string;
  event_id: string;
  chat_type: string;
  command: Command;
  /** When the intake accepted it (ms since epoch); retries give up relative to this. */
  received_at: number;
}
