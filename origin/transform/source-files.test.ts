import { readFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isPixelfrontError } from '../../core/errors.ts';
import { FileStorage } from '../storage/file-storage.ts';
import type { ObjectStorage } from '../storage/types.ts';
import { SourceFiles } from './source-files.ts';

/** FileStorage seen as a storage without local files (as S3 is), counting the objects read. */
class RemoteLikeStorage implements ObjectStorage {
  reads = 0;
  private readonly files: FileStorage;
  constructor(root: string) {
    this.files = new FileStorage(root);
  }
  open = () => this.files.open();
  put: ObjectStorage['put'] = (...args) => this.files.put(...args);
  putIfAbsent: ObjectStorage['putIfAbsent'] = (...args) => this.files.putIfAbsent(...args);
  get: ObjectStorage['get'] = (...args) => {
    this.reads += 1;
    return this.files.get(...args);
  };
  head: ObjectStorage['head'] = (key) => this.files.head(key);
  delete: ObjectStorage['delete'] = (key) => this.files.delete(key);
  list: ObjectStorage['list'] = (prefix) => this.files.list(prefix);
  deletePrefix: ObjectStorage['deletePrefix'] = (prefix) => this.files.deletePrefix(prefix);
  ping: ObjectStorage['ping'] = () => this.files.ping();
  close: ObjectStorage['close'] = () => this.files.close();
}

/** A storage without local files holding the named objects (each object's bytes are its name). */
async function remoteWith(root: string, ...names: string[]): Promise<RemoteLikeStorage> {
  const storage = new RemoteLikeStorage(root);
  await storage.open();
  for (const name of names) await storage.put(`originals/${name}`, Buffer.from(name));
  return storage;
}

describe('SourceFiles', () => {
  let dir: string;
  let tempDir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pixelfront-source-files-'));
    tempDir = join(dir, 'tmp');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const downloaded = async () => (await readdir(tempDir).catch(() => [])).sort();

  it('hands out the stored file itself where storage keeps objects as files', async () => {
    const storage = new FileStorage(join(dir, 'objects'));
    await storage.open();
    await storage.put('originals/a', Buffer.from('tiff bytes'));
    const files = new SourceFiles({ storage, tempDir });
    const file = await files.acquire('originals/a');
    expect(file.path).toBe(join(dir, 'objects', 'originals', 'a'));
    file.release();
    expect(await downloaded()).toEqual([]);
    const missing = await files.acquire('originals/missing').catch((error: unknown) => error);
    expect(isPixelfrontError(missing) && missing.code).toBe('not_found');
  });

  it('downloads an object once for the renders using it at the same time, and keeps it for the next', async () => {
    const storage = await remoteWith(join(dir, 'objects'), 'a');
    const files = new SourceFiles({ storage, tempDir });
    const [first, second] = await Promise.all([files.acquire('originals/a'), files.acquire('originals/a')]);
    expect(storage.reads).toBe(1);
    expect(first.path).toBe(second.path);
    expect(first.path.startsWith(tempDir)).toBe(true);
    expect(await readFile(first.path, 'utf8')).toBe('a');
    first.release();
    first.release(); // a second release of one holder changes nothing
    expect(await readFile(second.path, 'utf8')).toBe('a');
    second.release();
    const again = await files.acquire('originals/a');
    expect(storage.reads).toBe(1);
    again.release();
  });

  it('keeps at most four unused downloads, removing the least recently used', async () => {
    const storage = await remoteWith(join(dir, 'objects'), 'a', 'b', 'c', 'd', 'e');
    const files = new SourceFiles({ storage, tempDir });
    const paths: string[] = [];
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      const file = await files.acquire(`originals/${name}`);
      paths.push(file.path);
      file.release();
    }
    await vi.waitFor(async () => expect(await downloaded()).toHaveLength(4));
    expect(await downloaded()).not.toContain(paths[0]?.slice(tempDir.length + 1));
  });

  it('removes unused downloads on close, and one still in use when it is released', async () => {
    const storage = await remoteWith(join(dir, 'objects'), 'a', 'b');
    const files = new SourceFiles({ storage, tempDir });
    (await files.acquire('originals/a')).release();
    const inUse = await files.acquire('originals/b');
    await files.close();
    expect(await downloaded()).toEqual([inUse.path.slice(tempDir.length + 1)]);
    expect(await readFile(inUse.path, 'utf8')).toBe('b');
    inUse.release();
    await vi.waitFor(async () => expect(await downloaded()).toEqual([]));
  });

  it('removes the download of a deleted object at once, or when its last user releases it', async () => {
    const storage = await remoteWith(join(dir, 'objects'), 'a', 'b');
    const files = new SourceFiles({ storage, tempDir });
    const idle = await files.acquire('originals/a');
    idle.release();
    const inUse = await files.acquire('originals/b');
    files.forget('originals/a');
    files.forget('originals/b');
    await vi.waitFor(async () => expect(await downloaded()).toEqual([inUse.path.slice(tempDir.length + 1)]));
    inUse.release();
    await vi.waitFor(async () => expect(await downloaded()).toEqual([]));
    expect(storage.reads).toBe(2);
    (await files.acquire('originals/a')).release();
    expect(storage.reads).toBe(3); // downloaded again, not served from a forgotten file
  });

  it('answers not_found for a missing object, leaves nothing behind and tries again next time', async () => {
    const storage = await remoteWith(join(dir, 'objects'));
    const files = new SourceFiles({ storage, tempDir });
    const error = await files.acquire('originals/late').catch((failure: unknown) => failure);
    expect(isPixelfrontError(error) && error.code).toBe('not_found');
    expect(await downloaded()).toEqual([]);
    await storage.put('originals/late', Buffer.from('here now'));
    const file = await files.acquire('originals/late');
    expect(await readFile(file.path, 'utf8')).toBe('here now');
    file.release();
  });
});
