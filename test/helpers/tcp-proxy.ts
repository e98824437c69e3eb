import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'cut' | 'blackhole';

/**
 * A loopback TCP proxy in front of a backend (PostgreSQL, Redis) whose faults a test controls:
 * `cut()` resets every connection and refuses new ones (the backend crashed or restarted),
 * `blackhole()` keeps every socket open but forwards nothing, new connections included (a
 * network partition, or a server that accepts and stops answering), `restore()` forwards again.
 * Blackholed bytes wait in the socket buffers, as TCP retransmits them once a partition heals.
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
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (mode === 'pass') from.resume();
    });
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
    // A blackholed connection is accepted and then left waiting: no upstream until restore.
    if (mode === 'pass') open(pair);
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
      for (const { client, upstream } of pairs) {
        client.pause();
        upstream?.pause();
      }
    },
    restore() {
      mode = 'pass';
      for (const pair of pairs) {
        if (pair.upstream === undefined) open(pair);
        pair.client.resume();
        pair.upstream?.resume();
      }
    },
    async close() {
      for (const pair of [...pairs]) drop(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
