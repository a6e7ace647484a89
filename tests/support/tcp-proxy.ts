/**
 * A TCP proxy in front of a server (PostgreSQL, Redis), to cut the network between the
 * service and it for real: `cut()` resets every open connection and refuses new ones (the
 * server is down or unreachable), `restore()` lets connections through again.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** host:port of the proxy. */
  readonly host: string;
  readonly port: number;
  /** Connections made through the proxy since it started. */
  readonly connections: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let connections = 0;
  let server: Server | undefined;
  let port = 0;

  const listen = async () => {
    const s = createServer((client) => {
      connections++;
      const upstream = createConnection(target);
      open.add(client);
      open.add(upstream);
      const drop = () => { client.destroy(); upstream.destroy(); open.delete(client); open.delete(upstream); };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    port = (s.address() as { port: number }).port;
    server = s;
  };
  const stop = async () => {
    const s = server;
    server = undefined;
    for (const socket of open) socket.resetAndDestroy();
    open.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();
  return {
    host: '127.0.0.1',
    get port() { return port; },
    get connections() { return connections; },
    cut: stop,
    async restore() { if (!server) await listen(); },
    close: stop,
  };
}
