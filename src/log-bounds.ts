// Every `err` a log line carries, made bounded: Node's HTTP parser attaches the whole raw packet to its errors
// (rawPacket, a Buffer pino would write as a JSON array of bytes), and a message can quote what a client sent.
// Only the name, code, a cut message and stack, and a few short scalar fields are kept; nothing binary.

/** Longest message and stack kept; longer is cut, with an ellipsis. */
const MESSAGE_MAX = 300;
const STACK_MAX = 2_000;
const FIELD_MAX = 120;
const FIELDS_MAX = 10;

export interface BoundedError {
  type: string;
  message: string;
  stack?: string;
  code?: string;
  [field: string]: unknown;
}

export function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The err serializer of the process logger (log.ts). */
export function boundedError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) {
    if (typeof error === 'string') return cut(error, MESSAGE_MAX);
    return typeof error === 'object' && error !== null ? { type: 'non-error', value: '[object]' } : error;
  }
  const bounded: BoundedError = { type: error.name, message: cut(error.message, MESSAGE_MAX) };
  if (error.stack) bounded.stack = cut(error.stack, STACK_MAX);
  let kept = 0;
  for (const [key, value] of Object.entries(error)) {
    if (kept >= FIELDS_MAX) break;
    if (key === 'rawPacket' || key in bounded) continue;
    if (typeof value === 'string') bounded[key] = cut(value, FIELD_MAX);
    else if (typeof value === 'number' || typeof value === 'boolean') bounded[key] = value;
    else continue; // Buffers, objects (requests, sockets, responses): never copied into a line
    kept += 1;
  }
  if (error.cause !== undefined && depth < 2) bounded.cause = boundedError(error.cause, depth + 1);
  return bounded;
}
