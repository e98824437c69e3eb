import { fileURLToPath } from 'node:url';
import { ConfigError, type Config } from '../config.ts';
import { FileStorage } from './file-storage.ts';
import { S3Storage, type S3StorageOptions } from './s3-storage.ts';
import type { ObjectStorage } from './types.ts';

export type { ByteRange, ObjectInfo, ObjectStorage, PutOptions, StoredObject } from './types.ts';
export { FileStorage } from './file-storage.ts';
export { S3Storage, parseS3Url, type S3StorageOptions } from './s3-storage.ts';
export { validateKey, validatePrefix, isValidKey } from './keys.ts';

/**
 * The object storage named by `config.storageUrl`: `file:///absolute/path` (created if missing)
 * or `s3://bucket[/prefix]` with `config.s3`. `s3` overrides options of the S3 backend
 * (credentials in tests, part sizes).
 */
export async function createStorage(config: Config, s3: Partial<S3StorageOptions> = {}): Promise<ObjectStorage> {
  const url = config.storageUrl;
  if (url.startsWith('s3://')) return S3Storage.fromUrl(url, config.s3, s3);
  if (url.startsWith('file://')) {
    let root: string;
    try {
      root = fileURLToPath(url);
    } catch (error) {
      throw new ConfigError([
        `STORAGE_URL: ${JSON.stringify(url)} must be file:///absolute/path (${error instanceof Error ? error.message : String(error)})`,
      ]);
    }
    const storage = new FileStorage(root);
    await storage.open();
    return storage;
  }
  throw new ConfigError([`STORAGE_URL: ${JSON.stringify(url)} must start with file:// or s3://`]);
}
