import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface RoundRobin {
  host: string;
  port: number;
  /** Connections forwarded so far, per target (`host:port`). */
  readonly forwarded: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

/**
 * A TCP forwarder on `host` (a random port) that sends each new connection to the next target in
 * turn, as kube-proxy spreads a Service's connections over its endpoints. With one target it is a
 * plain forwarder, which is how pods on a podman network reach services bound to loopback.
 */
export async function startRoundRobin(host: string, targets: Array<{ host: string; port: number }>): Promise<RoundRobin> {
  if (targets.length === 0) throw new Error('round robin: no targets');
  const forwarded = new Map<string, number>();
  const open = new Set<Socket>();
  let next = 0;
  const server = createServer((client) => {
    const target = targets[next++ % targets.length] as { host: string; port: number };
    const name = `${target.host}:${String(target.port)}`;
    forwarded.set(name, (forwarded.get(name) ?? 0) + 1);
    const upstream = connect(target.port, target.host);
    open.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => {
      open.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      open.delete(upstream);
      client.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return {
    host,
    port: (server.address() as AddressInfo).port,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}
