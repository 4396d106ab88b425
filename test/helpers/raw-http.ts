// Speaks HTTP/1.1 over a bare socket, for what fetch will not do: lie in Content-Length, or send a chunked
// body that never ends. Resolves with the response as soon as the server answers.
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** True when the server closed the connection after answering. */
  closed: boolean;
}

export async function rawRequest(url: string, head: string[], bodyParts: (string | Buffer)[]): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = '';
    let closed = false;
    let settled = false;
    const timer = setTimeout(
      () => finish(new Error(`no complete response; got: ${JSON.stringify(received.slice(0, 200))}`)),
      10_000,
    );

    function parsed(): RawResponse | undefined {
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return undefined;
      const [statusLine, ...lines] = received.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = received.slice(end + 4);
      const length = Number(headers['content-length'] ?? NaN);
      if (Number.isFinite(length) && Buffer.byteLength(body) < length) return undefined;
      return { status: Number(statusLine!.split(' ')[1]), headers, body, closed };
    }

    function finish(error?: Error) {
      if (settled) return;
      const response = parsed();
      if (!error && !response) return;
      settled = true;
      clearTimeout(timer);
      // give a closing server a moment to be observed, then hang up ourselves
      setImmediate(() => {
        socket.destroy();
        if (error) reject(error);
        else resolve({ ...response!, closed });
      });
    }

    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      finish();
    });
    socket.on('end', () => {
      closed = true;
      finish();
    });
    socket.on('close', () => {
      closed = true;
      finish(parsed() ? undefined : new Error('connection closed without a response'));
    });
    socket.on('error', () => {
      // the server may reset a connection whose body it stopped reading; what it answered still counts
      closed = true;
    });
    socket.on('connect', () => {
      socket.write(`${head.join('\r\n')}\r\n\r\n`);
      for (const part of bodyParts) socket.write(part);
    });
  });
}
