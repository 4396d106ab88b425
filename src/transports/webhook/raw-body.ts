// Reads the request body as raw bytes, because the signature is computed over exactly those bytes
// (doc: 步骤三：接收事件, "不要在反序列化后再计算"). Bounded: a declared Content-Length over the limit is
// refused before reading anything, and a body without one (chunked) is counted while it streams; once over
// the limit we stop reading and keep nothing of the rest.
import type { IncomingMessage } from 'node:http';
import { RequestRejected } from '../../errors.js';

function tooLarge(limitBytes: number): RequestRejected {
  return new RequestRejected(413, 'body_too_large', `request body exceeds ${limitBytes} bytes`, {
    closeConnection: true,
  });
}

export async function readRawBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) throw tooLarge(limitBytes);

  // Listeners are never removed: they die with the request, and `settled` makes every later call a no-op.
  // (Inline handlers: this runs for every push, and named per-request closures cost more.)
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      received += chunk.length;
      if (received > limitBytes) {
        // stop reading; the response carries Connection: close so the rest is never parsed
        settled = true;
        req.pause();
        chunks.length = 0;
        reject(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      // a push usually arrives in one chunk: hand that over without copying it
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
    });
    req.on('error', () => {
      if (settled) return;
      settled = true;
      reject(new RequestRejected(400, 'request_aborted', 'error while reading the request body'));
    });
    req.on('close', () => {
      if (settled || req.complete) return;
      settled = true;
      reject(new RequestRejected(400, 'request_aborted', 'client closed the connection before the body ended'));
    });
  });
}
