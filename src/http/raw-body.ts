// Reads the request body as raw bytes, because the signature is computed over exactly those bytes
// (doc: 步骤三：接收事件, "不要在反序列化后再计算"). Bounded: a declared Content-Length over the limit is
// refused before reading anything, and a body without one (chunked) is counted while it streams; once over
// the limit we stop reading and keep nothing of the rest.
import type { IncomingMessage } from 'node:http';
import { RequestRejected } from './errors.js';

function tooLarge(limitBytes: number): RequestRejected {
  return new RequestRejected(413, 'body_too_large', `request body exceeds ${limitBytes} bytes`, { closeConnection: true });
}

export async function readRawBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) throw tooLarge(limitBytes);

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;

    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const fail = (error: RequestRejected) => {
      cleanup();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limitBytes) {
        // stop reading; the response carries Connection: close so the rest is never parsed
        req.pause();
        chunks.length = 0;
        fail(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, received));
    };
    const onError = () => fail(new RequestRejected(400, 'request_aborted', 'error while reading the request body'));
    const onClose = () => {
      if (!req.complete) fail(new RequestRejected(400, 'request_aborted', 'client closed the connection before the body ended'));
    };

    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
