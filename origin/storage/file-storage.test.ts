import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/config.ts';
import { FileStorage, TEMP_DIR } from './file-storage.ts';
import { createStorage } from './index.ts';
import { describeStorageContract, readAll } from './storage.contract.ts';

async function tempRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'pixelfront-file-storage-'));
}

describeStorageContract(
  'file',
  async () => {
    const root = await tempRoot();
    const storage = new FileStorage(join(root, 'objects'));
    await storage.open();
    return {
      storage,
      cleanup: () => rm(root, { recursive: true, force: true }),
      leftovers: async () => readdir(join(root, 'objects', TEMP_DIR)).catch(() => []),
    };
  },
  { storesContentType: false },
);

describe('FileStorage on disk', () => {
  let root: string;
  let storage: FileStorage;
  beforeEach(async () => {
    root = await tempRoot();
    storage = new FileStorage(root);
    await storage.open();
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('makes its temp and key folders again when they were removed while it ran', async () => {
    await storage.put('a/b/one.bin', Buffer.from('one'));
    await rm(join(root, TEMP_DIR), { recursive: true });
    await rm(join(root, 'a'), { recursive: true });
    await storage.put('a/b/two.bin', Buffer.from('two'));
    const stored = await storage.get('a/b/two.bin');
    expect(stored && (await readAll(stored.body)).toString()).toBe('two');
    expect(await readdir(join(root, TEMP_DIR))).toEqual([]);
  });

  it('stores a key as the matching path under the root', async () => {
    await storage.put('variants/abc/h.webp', Buffer.from('v'));
    expect(await readdir(join(root, 'variants', 'abc'))).toEqual(['h.webp']);
  });

  it('removes folders emptied by delete and deletePrefix, but keeps the root', async () => {
    await storage.put('variants/abc/h.webp', Buffer.from('v'));
    await storage.put('variants/def/h.webp', Buffer.from('v'));
    await storage.delete('variants/abc/h.webp');
    expect(await readdir(join(root, 'variants'))).toEqual(['def']);
    await storage.deletePrefix('variants/');
    expect((await readdir(root)).filter((name) => name !== TEMP_DIR)).toEqual([]);
  });

  it('reserves the temp folder name', async () => {
    await expect(storage.put(`${TEMP_DIR}/x`, Buffer.from('x'))).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(storage.get(TEMP_DIR)).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('does not follow symbolic links out of the root when listing', async () => {
    const outside = await tempRoot();
    try {
      await writeFile(join(outside, 'secret'), 'secret');
      await storage.put('inside/a', Buffer.from('a'));
      await symlink(outside, join(root, 'inside', 'escape'));
      await symlink(join(outside, 'secret'), join(root, 'inside', 'file-link'));
      const listed: string[] = [];
      for await (const object of storage.list('')) listed.push(object.key);
      expect(listed).toEqual(['inside/a']);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('ignores files whose names are not valid keys', async () => {
    await mkdir(join(root, 'originals'), { recursive: true });
    await writeFile(join(root, 'originals', 'has space'), 'x');
    await storage.put('originals/ok', Buffer.from('ok'));
    const listed: string[] = [];
    for await (const object of storage.list('originals/')) listed.push(object.key);
    expect(listed).toEqual(['originals/ok']);
  });

  it('reports a key that clashes with a folder as a conflict, and a folder is no object', async () => {
    await storage.put('a/b/c', Buffer.from('c'));
    await expect(storage.put('a/b', Buffer.from('b'))).rejects.toMatchObject({ code: 'conflict' });
    await expect(storage.put('a/b/c/d', Buffer.from('d'))).rejects.toMatchObject({ code: 'conflict' });
    expect(await storage.get('a/b')).toBeNull();
    expect(await storage.head('a/b')).toBeNull();
    await storage.delete('a/b');
    expect(await storage.get('a/b/c/d')).toBeNull();
    expect(await readdir(join(root, TEMP_DIR))).toEqual([]);
  });

  it('sweeps stale temp files on open and keeps fresh ones', async () => {
    const stale = join(root, TEMP_DIR, 'stale.part');
    const fresh = join(root, TEMP_DIR, 'fresh.part');
    await writeFile(stale, 'x');
    await writeFile(fresh, 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(stale, twoHoursAgo, twoHoursAgo);
    await new FileStorage(root).open();
    expect(await readdir(join(root, TEMP_DIR))).toEqual(['fresh.part']);
  });

  it('releases a body it cannot write (no temp file can be made), so its source is not held open', async () => {
    const source = join(root, 'source.bin');
    await writeFile(source, 'bytes');
    await rm(join(root, TEMP_DIR), { recursive: true });
    await writeFile(join(root, TEMP_DIR), 'a file where the temp folder belongs');
    const body = createReadStream(source);
    await expect(storage.put('a/b', body)).rejects.toMatchObject({ code: expect.stringMatching(/conflict|unavailable/) });
    expect(body.destroyed).toBe(true);
    const refused = createReadStream(source);
    await expect(storage.put('../escape', refused)).rejects.toMatchObject({ code: 'invalid_request' });
    expect(refused.destroyed).toBe(true);
  });

  it('putFile moves a local file into place without copying it, and leaves it where it was when refused', async () => {
    const source = join(root, '..', `${basename(root)}-upload.bin`);
    await writeFile(source, 'uploaded bytes');
    const inode = (await stat(source)).ino;
    const info = await storage.putFile('originals/abc', source);
    expect(info).toMatchObject({ key: 'originals/abc', size: 14 });
    expect((await stat(join(root, 'originals', 'abc'))).ino).toBe(inode);
    await expect(stat(source)).rejects.toMatchObject({ code: 'ENOENT' });
    const stored = await storage.get('originals/abc');
    expect(stored && (await readAll(stored.body)).toString()).toBe('uploaded bytes');

    await writeFile(source, 'again');
    await expect(storage.putFile('../escape', source)).rejects.toMatchObject({ code: 'invalid_request' });
    await storage.put('taken/folder/x', Buffer.from('x'));
    await expect(storage.putFile('taken/folder', source)).rejects.toMatchObject({ code: 'conflict' });
    expect((await readFile(source)).toString()).toBe('again');
    await rm(source);
  });

  it.runIf(existsSync('/dev/shm'))('putFile copies a file from another file system (EXDEV)', async () => {
    const other = await mkdtemp(join('/dev/shm', 'pixelfront-put-file-'));
    try {
      const source = join(other, 'upload.bin');
      await writeFile(source, 'from tmpfs');
      if ((await stat(source)).dev === (await stat(root)).dev) return; // same file system here: nothing to show
      await storage.putFile('originals/xdev', source);
      const stored = await storage.get('originals/xdev');
      expect(stored && (await readAll(stored.body)).toString()).toBe('from tmpfs');
      expect(await readdir(join(root, TEMP_DIR))).toEqual([]);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('pings only when the root exists and is writable', async () => {
    await expect(storage.ping()).resolves.toBeUndefined();
    await expect(new FileStorage(join(root, 'missing')).ping()).rejects.toMatchObject({ code: 'unavailable' });
  });
});

describe('createStorage', () => {
  it('opens file storage from a file:// URL, creating the folder', async () => {
    const root = await tempRoot();
    try {
      const storage = await createStorage(testConfig({ STORAGE_URL: `file://${join(root, 'nested', 'objects')}` }));
      expect(storage).toBeInstanceOf(FileStorage);
      await storage.ping();
      await storage.put('originals/x', Buffer.from('x'));
      const object = await storage.get('originals/x');
      expect(object && (await readAll(object.body)).toString()).toBe('x');
      await storage.close();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('defaults to DATA_DIR/objects', async () => {
    const root = await tempRoot();
    try {
      const storage = await createStorage(testConfig({ DATA_DIR: root }));
      expect(storage).toBeInstanceOf(FileStorage);
      expect((storage as FileStorage).root).toBe(join(root, 'objects'));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('rejects a file URL that is not absolute', async () => {
    await expect(createStorage(testConfig({ STORAGE_URL: 'file://relative/path' }))).rejects.toThrow(/STORAGE_URL/);
  });
});
