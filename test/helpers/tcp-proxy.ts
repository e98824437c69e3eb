import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'cut' | 'blackhole';

/**
 * A loopback TCP proxy in front of a backend (PostgreSQL, Redis) whose faults a test controls:
 * `cut()` resets every connection and refuses new ones (the backend crashed or restarted),
 * `blackhole()` keeps every socket open but drops every byte, new connections included (a
 * network partition, or a server that accepts and stops answering), `restore()` forwards again.
 * As with toxiproxy's timeout toxic, dropped bytes are lost: a connection that carried traffic
 * while blackholed is out of step afterwards, and only a client that replaces it recovers.
 */
export interface TcpProxy {
  /** The port to point a client at, on 127.0.0.1. */
  port: number;
  readonly mode: ProxyMode;
  /** Connections accepted so far (a client that replaces dead connections makes new ones). */
  readonly accepted: number;
  cut(): void;
  blackhole(): void;
  restore(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = 'pass';
  let accepted = 0;
  const pairs = new Set<Pair>();

  const drop = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.upstream?.destroy();
  };
  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (mode === 'blackhole') return;
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => from.resume());
  };
  const open = (pair: Pair) => {
    const upstream = connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on('error', () => drop(pair));
    upstream.on('close', () => drop(pair));
    forward(pair.client, upstream);
    forward(upstream, pair.client);
    pair.client.resume();
  };

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    accepted += 1;
    const pair: Pair = { client, upstream: undefined };
    client.on('error', () => drop(pair));
    client.on('close', () => drop(pair));
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    pairs.add(pair);
    if (mode === 'pass') open(pair);
    else client.resume(); // blackholed: accepted, read and dropped; connected upstream on restore
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp proxy: no port');

  return {
    port: address.port,
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    cut() {
      mode = 'cut';
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        pair.client.resetAndDestroy();
        pair.upstream?.resetAndDestroy();
      }
    },
    blackhole() {
      mode = 'blackhole';
    },
    restore() {
      mode = 'pass';
      for (const pair of pairs) if (pair.upstream === undefined) open(pair);
    },
    async close() {
      for (const pair of [...pairs]) drop(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
