import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from './api-client.ts';

describe('ApiClient', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('reports a connection cut while the answer is read as a network failure, and retries it', async () => {
    let requests = 0;
    server = createServer((request, response) => {
      requests += 1;
      request.resume();
      if (requests < 3) {
        // Headers promise 100 bytes; the connection dies after 10.
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        response.write('{"partNumb');
        setTimeout(() => response.socket?.destroy(), 20);
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ partNumber: 1, etag: 'abc', size: 0 }));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const api = new ApiClient(`http://127.0.0.1:${port}`, undefined, 1);
    try {
      const cut = await api.getUpload('AAAAAAAAAAAA');
      expect(cut).toMatchObject({ ok: false, problem: { status: 0, code: 'network_error' } });
      const retried = await api.putPart('AAAAAAAAAAAA', 1, '/dev/null', 0, 0);
      expect(retried).toMatchObject({ ok: true, value: { partNumber: 1 } });
      expect(requests).toBe(3);
    } finally {
      await api.close();
    }
  });
});
