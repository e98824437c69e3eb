import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Listens and resolves with the server's base URL. A port in use or an address not on this
 * machine rejects, instead of surfacing as an unhandled 'error' event that crashes the process
 * while its backends are still open.
 */
export async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
}
