/**
 * The plumbing the provider fakes share: an HTTP server on 127.0.0.1 port 0 that reads
 * each request whole, records it, and can fail or drop the next requests on demand.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received, and what it answered. */
export interface RecordedRequest {
  method: string;
  /** Path and query, as requested. */
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** HTTP status answered; 0 when the connection was dropped on purpose. */
  status: number;
}

/** What a route handler returns. */
export interface FakeReply {
  status: number;
  headers?: Record<string, string>;
  /** JSON-serialised unless a string; omitted for an empty body. */
  body?: unknown;
}

/** Control surface shared by the fakes. */
export interface HttpFakeControls<R extends RecordedRequest> {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  /** Every request received, oldest first. */
  readonly requests: R[];
  /** Answers the next `n` API requests with `status` and the vendor's error body. */
  failNext(n: number, status: number): void;
  /** Closes the connection of the next `n` API requests without answering (a network error). */
  dropNext(n: number): void;
  close(): Promise<void>;
}

/** Starts a fake; `handle` builds the answer, `failure` the vendor's error body for `failNext`. */
export async function startHttpFake<R extends RecordedRequest>(options: {
  record: (base: RecordedRequest) => R;
  handle: (req: R) => FakeReply;
  failure: (status: number) => FakeReply;
}): Promise<HttpFakeControls<R>> {
  const requests: R[] = [];
  const failures: number[] = [];
  let drops = 0;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded = options.record({
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        rawBody: Buffer.concat(chunks).toString('utf8'),
        status: 0,
      });
      requests.push(recorded);
      if (drops > 0) {
        drops--;
        req.socket.destroy();
        return;
      }
      const failing = failures.shift();
      const reply = failing !== undefined ? options.failure(failing) : options.handle(recorded);
      recorded.status = reply.status;
      const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      const headers: Record<string, string> = { ...(reply.body === undefined || typeof reply.body === 'string' ? {} : { 'Content-Type': 'application/json' }), ...reply.headers };
      res.writeHead(reply.status, headers);
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(n, status) {
      for (let i = 0; i < n; i++) failures.push(status);
    },
    dropNext(n) {
      drops += n;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
