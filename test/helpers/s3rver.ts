import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * An S3 protocol server for tests: s3rver on 127.0.0.1, a random port and its own temp dir.
 * Any test that needs S3 (storage contract, ingest on S3) starts one in beforeAll.
 *
 * It runs in a child process with `--openssl-legacy-provider` because s3rver encrypts
 * ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node >= 17) refuses by default:
 * in-process, every truncated listing would be a 500. The child exits when its stdin closes,
 * so it cannot outlive the test process.
 */
export interface S3rverHandle {
  endpoint: string;
  region: string;
  /** s3rver accepts only its built-in account. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** A plain client for set-up and for checking what landed where. */
  client: S3Client;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

const serverScript = `
const S3rver = require(process.argv[1]);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[2] });
server.run().then(({ port }) => process.stdout.write(JSON.stringify({ port }) + '\\n'), (error) => { console.error(error); process.exit(1); });
process.stdin.resume();
process.stdin.on('close', () => server.close().finally(() => process.exit(0)));
`;

export async function startS3rver(): Promise<S3rverHandle> {
  const directory = await mkdtemp(join(tmpdir(), 'pixelfront-s3rver-'));
  const s3rverPath = createRequire(import.meta.url).resolve('s3rver');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', serverScript, s3rverPath, directory], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const port = await readPort(child.stdout, exited);
  const endpoint = `http://127.0.0.1:${port}`;
  const region = 'us-east-1';
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const client = new S3Client({
    endpoint,
    region,
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    region,
    credentials,
    client,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async stop() {
      client.destroy();
      if (child.exitCode === null) {
        child.stdin?.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function readPort(stdout: NodeJS.ReadableStream | null, exited: Promise<unknown>): Promise<number> {
  if (!stdout) throw new Error('s3rver: no stdout');
  const lines = createInterface({ input: stdout });
  const firstLine = (async () => {
    for await (const line of lines) return line;
    return undefined;
  })();
  const line = await Promise.race([firstLine, exited.then(() => undefined)]);
  const port: unknown = line === undefined ? undefined : (JSON.parse(line) as { port?: unknown }).port;
  if (typeof port !== 'number') throw new Error('s3rver did not start');
  return port;
}
