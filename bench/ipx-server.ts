/** ipx (the peer) serving a folder, in its own process, with its defaults. Prints its URL. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIPX, createIPXNodeServer, ipxFSStorage } from 'ipx';

const dir = process.argv[2];
if (!dir) throw new Error('usage: ipx-server.ts <folder>');
const ipx = createIPX({ storage: ipxFSStorage({ dir }) });
const server = createServer(createIPXNodeServer(ipx));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`ipx listening {"url":"http://127.0.0.1:${port}"}`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
