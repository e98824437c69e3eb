import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config.ts';
import { testConfig } from '../../test/helpers/config.ts';
import { createStorage } from './index.ts';
import { S3Storage, parseS3Url } from './s3-storage.ts';
import { startS3rver, type S3rverHandle } from '../../test/helpers/s3rver.ts';
import { describeStorageContract, readAll } from './storage.contract.ts';

const bucket = 'pixelfront-test';
let s3: S3rverHandle;

beforeAll(async () => {
  s3 = await startS3rver();
  await s3.createBucket(bucket);
});
afterAll(async () => {
  await s3.stop();
});

/** A storage under its own prefix, so each test starts empty on the shared server. */
function storageAt(url: string, extra: { listPageSize?: number } = {}): S3Storage {
  return S3Storage.fromUrl(
    url,
    { endpoint: s3.endpoint, region: s3.region, forcePathStyle: true },
    { credentials: s3.credentials, ...extra },
  );
}

async function rawKeys(prefix: string): Promise<string[]> {
  const page = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((object) => object.Key ?? '');
}

describeStorageContract(
  's3 (s3rver, with a key prefix)',
  async () => {
    const prefix = `some/prefix/${randomUUID()}`;
    // A small list page makes every list and deletePrefix in the suite paginate.
    const storage = storageAt(`s3://${bucket}/${prefix}`, { listPageSize: 3 });
    return {
      storage,
      cleanup: async () => {
        const cleaner = storageAt(`s3://${bucket}/${prefix}`);
        await cleaner.deletePrefix('');
        await cleaner.close();
      },
    };
  },
  // s3rver's own limitations (see StorageContractOptions); real S3, R2 and MinIO have neither.
  { storesContentType: true, serverQuirks: { listsFoldersFirst: true, nonAtomicPuts: true, ignoresConditionalPuts: true } },
);

describe('S3Storage prefix', () => {
  it('writes under the prefix and lists with it stripped', async () => {
    const prefix = `tenant-data/${randomUUID()}`;
    const storage = storageAt(`s3://${bucket}/${prefix}/`);
    try {
      await storage.put('originals/a', Buffer.from('a'));
      await storage.put('variants/a/x.webp', Buffer.from('x'));
      expect(await rawKeys(`${prefix}/`)).toEqual([`${prefix}/originals/a`, `${prefix}/variants/a/x.webp`]);
      const listed: string[] = [];
      for await (const object of storage.list('')) listed.push(object.key);
      expect(listed).toEqual(['originals/a', 'variants/a/x.webp']);
      const raw = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/originals/a` }));
      expect(await raw.Body?.transformToString()).toBe('a');
    } finally {
      await storage.deletePrefix('');
      await storage.close();
    }
  });

  it('does not see objects beside its prefix, even ones sharing its leading characters', async () => {
    const base = randomUUID();
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: `${base}-other/originals/z`, Body: 'z' }));
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: `${base}/originals/bad key`, Body: 'z' }));
    const storage = storageAt(`s3://${bucket}/${base}`);
    try {
      await storage.put('originals/a', Buffer.from('a'));
      const listed: string[] = [];
      for await (const object of storage.list('')) listed.push(object.key);
      expect(listed).toEqual(['originals/a']);
      expect(await storage.deletePrefix('')).toBe(1);
      expect(await rawKeys(`${base}-other/`)).toEqual([`${base}-other/originals/z`]);
    } finally {
      await storage.close();
    }
  });

  it('works without a prefix', async () => {
    const storage = storageAt(`s3://${bucket}`);
    const key = `noprefix-${randomUUID()}/obj`;
    try {
      await storage.put(key, Buffer.from('np'));
      expect(await rawKeys(key)).toEqual([key]);
      const object = await storage.get(key);
      expect(object && (await readAll(object.body)).toString()).toBe('np');
    } finally {
      await storage.delete(key);
      await storage.close();
    }
  });

  it('reports an unreachable bucket as unavailable', async () => {
    const storage = storageAt('s3://no-such-bucket-here');
    try {
      await expect(storage.ping()).rejects.toMatchObject({ code: 'unavailable' });
      await expect(storage.put('a', Buffer.from('a'))).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      await storage.close();
    }
  });
});

describe('parseS3Url', () => {
  it('splits bucket and prefix', () => {
    expect(parseS3Url('s3://bucket')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(parseS3Url('s3://bucket/')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(parseS3Url('s3://bucket/some/prefix')).toEqual({ bucket: 'bucket', prefix: 'some/prefix/' });
    expect(parseS3Url('s3://bucket/some/prefix/')).toEqual({ bucket: 'bucket', prefix: 'some/prefix/' });
  });

  it('rejects bad URLs with a ConfigError', () => {
    for (const url of ['s3://', 's3:///x', 's3://b/../x', 's3://b/a//c', 'http://b/x', 's3://b/a b']) {
      expect(() => parseS3Url(url), url).toThrow(ConfigError);
    }
  });
});

describe('createStorage with s3://', () => {
  it('builds an S3Storage from the configuration', async () => {
    const config = testConfig({ STORAGE_URL: `s3://${bucket}/from-config`, S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: 'true' });
    const storage = await createStorage(config, { credentials: s3.credentials });
    try {
      expect(storage).toBeInstanceOf(S3Storage);
      await storage.ping();
      await storage.put('originals/c', Buffer.from('c'));
      expect(await rawKeys('from-config/')).toEqual(['from-config/originals/c']);
      await storage.delete('originals/c');
    } finally {
      await storage.close();
    }
  });
});

/**
 * s3rver ignores `If-None-Match` on PUT, so the answers of a server that honours it (S3, R2) come
 * from a small HTTP endpoint here, read by the real S3 client.
 */
describe('S3Storage.putIfAbsent against a server that honours If-None-Match', () => {
  async function conditionalServer(status: number, code: string) {
    const seen: Array<string | undefined> = [];
    const server = createServer((request, response) => {
      seen.push(request.headers['if-none-match']);
      request.resume();
      request.on('end', () => {
        response.writeHead(status, { 'content-type': 'application/xml' });
        response.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const storage = S3Storage.fromUrl(
      `s3://${bucket}`,
      { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', forcePathStyle: true },
      {
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      },
    );
    return { storage, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it('sends If-None-Match: * and answers null on 412 (the key exists)', async () => {
    const server = await conditionalServer(412, 'PreconditionFailed');
    try {
      expect(await server.storage.putIfAbsent('watermarks/t/logo', Buffer.from('x'))).toBeNull();
      expect(server.seen).toEqual(['*']);
    } finally {
      await server.storage.close();
      await server.close();
    }
  });

  it('turns 409 (another conditional write is committing) into a retryable 503', async () => {
    const server = await conditionalServer(409, 'ConditionalRequestConflict');
    try {
      await expect(server.storage.putIfAbsent('watermarks/t/logo', Buffer.from('x'))).rejects.toMatchObject({
        code: 'unavailable',
        status: 503,
      });
    } finally {
      await server.storage.close();
      await server.close();
    }
  });
});
