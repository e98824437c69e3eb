import { randomUUID } from 'node:crypto';
import { close, constants, createReadStream, fsync, open as openFd, write, type Dirent } from 'node:fs';
import { access, link, lstat, mkdir, open, readdir, rename, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { fail, isPixelfrontError, type PixelfrontError } from '../../core/errors.ts';
import { isValidKey, validateKey, validatePrefix } from './keys.ts';
import { checkRange, clampRange } from './ranges.ts';
import { fsyncPath } from '../temp/fsync-path.ts';
import { removeStaleFiles, useTempFile } from '../temp/temp-files.ts';
import { toBytes } from './streams.ts';
import type { ByteRange, ObjectInfo, ObjectStorage, PutOptions, StoredObject } from './types.ts';

/** Folder inside the root for in-progress writes; never listed, and no key may start with it. */
export const TEMP_DIR = '.tmp';

/**
 * Objects as plain files under a root directory, the embedded default.
 *
 * Writes stream into `<root>/.tmp/` and are renamed into place, so readers see the old object or
 * the whole new one; a failed write removes its temp file. Content types are not stored: every
 * backend-independent caller knows the type from the catalog (originals) or the key's extension
 * (variants), so `contentType` is always undefined here rather than a sidecar file to keep in step.
 * A key cannot be both an object and a folder (`a/b` and `a/b/c`); putting the second is a
 * `conflict`. Bodies of `get` hold a file descriptor until they are consumed or destroyed.
 */
export class FileStorage implements ObjectStorage {
  readonly root: string;
  private readonly tempDir: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.tempDir = join(this.root, TEMP_DIR);
  }

  /** Creates the root if needed and sweeps temp files a crash left behind. */
  async open(): Promise<void> {
    await io('', mkdir(this.tempDir, { recursive: true }));
    await this.removeStaleTempFiles();
  }

  async put(key: string, body: Readable | Uint8Array, _options: PutOptions = {}): Promise<ObjectInfo> {
    const tempPath = join(this.tempDir, `${randomUUID()}.part`);
    const release = useTempFile(tempPath);
    try {
      const path = this.pathOf(key);
      const written = await this.writeTemp(key, tempPath, body);
      await this.intoPlace(key, path, () => rename(tempPath, path)).catch((error: unknown) => {
        throw storageFailure(key, error);
      });
      return { key, ...written, contentType: undefined };
    } catch (error) {
      // A body never read (the key was refused, no temp file could be made) would otherwise keep
      // its source open: a file descriptor, or a client's request.
      if (!(body instanceof Uint8Array)) body.destroy();
      await unlink(tempPath).catch(() => undefined);
      throw error;
    } finally {
      release();
    }
  }

  /**
   * The upload's temp file becomes the object without being copied: flushed, renamed into place,
   * its folder flushed (so neither the bytes nor the name are lost in a crash once this returns).
   */
  async putFile(key: string, path: string, options: PutOptions = {}): Promise<ObjectInfo> {
    const target = this.pathOf(key);
    const file = await io(key, open(path, 'r'));
    let written: { size: number; lastModified: Date };
    try {
      await io(key, file.sync());
      const stats = await io(key, file.stat());
      written = { size: stats.size, lastModified: stats.mtime };
    } finally {
      await file.close();
    }
    try {
      await this.intoPlace(key, target, () => rename(path, target));
    } catch (error) {
      if (errorCode(error) === 'EXDEV') return this.put(key, createReadStream(path), options);
      throw storageFailure(key, error);
    }
    // The folder's fsync makes the new name durable.
    await io(key, fsyncPath(dirname(target)));
    return { key, ...written, contentType: undefined };
  }

  /** link(2) fails with EEXIST when the name is taken, which makes create-if-absent atomic. */
  async putIfAbsent(key: string, body: Uint8Array, _options: PutOptions = {}): Promise<ObjectInfo | null> {
    const tempPath = join(this.tempDir, `${randomUUID()}.part`);
    const release = useTempFile(tempPath);
    try {
      const path = this.pathOf(key);
      const written = await this.writeTemp(key, tempPath, body);
      try {
        await this.intoPlace(key, path, () => link(tempPath, path));
      } catch (error) {
        // Taken by an object: the answer. Taken by a folder: the key clashes (storageFailure).
        if (errorCode(error) === 'EEXIST' && (await io(key, lstat(path))).isFile()) return null;
        throw storageFailure(key, error);
      }
      return { key, ...written, contentType: undefined };
    } finally {
      await unlink(tempPath).catch(() => undefined);
      release();
    }
  }

  async get(key: string, range?: ByteRange): Promise<StoredObject | null> {
    const path = this.pathOf(key);
    if (range) checkRange(range);
    let file: FileHandle;
    try {
      file = await open(path, 'r');
    } catch (error) {
      if (isMissing(error)) return null;
      throw storageFailure(key, error);
    }
    // Size and bytes come from the same open file, so a concurrent overwrite cannot mix them.
    try {
      const stats = await io(key, file.stat());
      if (!stats.isFile()) {
        await file.close();
        return null;
      }
      const served = range ? clampRange(range, stats.size) : undefined;
      const body = file.createReadStream(served ? { start: served.start, end: served.end } : {});
      return { key, size: stats.size, lastModified: stats.mtime, contentType: undefined, body, range: served };
    } catch (error) {
      await file.close().catch(() => undefined);
      throw error;
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    return this.info(key, stat);
  }

  async localFile(key: string): Promise<string | null> {
    return (await this.head(key)) ? this.pathOf(key) : null;
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (error) {
      // EISDIR: the key names a folder, which is not an object.
      if (isMissing(error) || errorCode(error) === 'EISDIR') return;
      throw storageFailure(key, error);
    }
    await this.removeEmptyFolders(dirname(path));
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    validatePrefix(prefix);
    yield* this.walk(prefix.slice(0, prefix.lastIndexOf('/') + 1), prefix);
  }

  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    // The walk reads each folder's entries before visiting them, so deleting as we go is safe.
    for await (const object of this.list(prefix)) {
      await this.delete(object.key);
      deleted += 1;
    }
    return deleted;
  }

  async ping(): Promise<void> {
    try {
      const stats = await stat(this.root);
      if (!stats.isDirectory()) throw new Error(`${this.root} is not a directory`);
      await access(this.root, constants.W_OK);
    } catch (error) {
      throw fail('unavailable', 'object storage is not reachable', { cause: error });
    }
  }

  async close(): Promise<void> {
    // Nothing is held open between calls.
  }

  /** Removes temp files left by a crash: any not in use and not written to for `maxAgeMs`. */
  async removeStaleTempFiles(maxAgeMs = 60 * 60 * 1000): Promise<number> {
    return removeStaleFiles(this.tempDir, maxAgeMs).catch((error: unknown) => {
      throw storageFailure(TEMP_DIR, error);
    });
  }

  /** The file path of a key; validation guarantees it is inside the root. */
  private pathOf(key: string): string {
    validateKey(key);
    if (key === TEMP_DIR || key.startsWith(`${TEMP_DIR}/`)) throw fail('invalid_request', `storage keys may not start with ${TEMP_DIR}/`);
    const path = join(this.root, ...key.split('/'));
    if (!path.startsWith(this.root + sep)) throw fail('invalid_request', `invalid storage key ${JSON.stringify(key)}`);
    return path;
  }

  private async info(key: string, statFn: typeof stat): Promise<ObjectInfo | null> {
    const path = this.pathOf(key);
    try {
      const stats = await statFn(path);
      if (!stats.isFile()) return null;
      return { key, size: stats.size, lastModified: stats.mtime, contentType: undefined };
    } catch (error) {
      if (isMissing(error)) return null;
      throw storageFailure(key, error);
    }
  }

  /** Writes and flushes the body to a new temp file, which the caller then renames or links into place. */
  private async writeTemp(key: string, tempPath: string, body: Readable | Uint8Array): Promise<{ size: number; lastModified: Date }> {
    if (body instanceof Uint8Array) return this.writeBytesTemp(key, tempPath, body);
    const file = await this.createTemp(key, tempPath);
    try {
      const size = await writeBody(key, file, body);
      await io(key, file.sync());
      return { size, lastModified: (await io(key, file.stat())).mtime };
    } finally {
      await file.close();
    }
  }

  /**
   * Bytes already in memory (variants, mezzanines): open, write, fsync and close on a plain file
   * descriptor, without a FileHandle and without the fstat, since the file was just written here
   * (its mtime is now). Each promise-based step cost a FileHandle call and a promise on the event
   * loop: ~0.1 ms less CPU a write (bench/README.md, per-request overhead).
   */
  private async writeBytesTemp(key: string, tempPath: string, bytes: Uint8Array): Promise<{ size: number; lastModified: Date }> {
    try {
      await writeNewFile(tempPath, bytes);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw storageFailure(key, error);
      await io(key, mkdir(this.tempDir, { recursive: true })); // removed while running
      await io(key, writeNewFile(tempPath, bytes));
    }
    return { size: bytes.byteLength, lastModified: new Date() };
  }

  /**
   * Folders are made only when a write finds them missing: a variant's folder exists after its
   * image's first variant, and a mkdir per write was a wasted round trip to the thread pool.
   */
  private async createTemp(key: string, tempPath: string): Promise<FileHandle> {
    try {
      return await open(tempPath, 'wx', 0o644);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw storageFailure(key, error);
      await io(key, mkdir(this.tempDir, { recursive: true })); // removed while running
      return io(key, open(tempPath, 'wx', 0o644));
    }
  }

  /**
   * Renames or links a temp file to `path`, making the key's folder when it is missing. A
   * concurrent delete may remove the (then empty) folder between mkdir and the move: retry.
   */
  private async intoPlace(key: string, path: string, move: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await move();
      } catch (error) {
        if (errorCode(error) !== 'ENOENT' || attempt >= 5) throw error;
      }
      await io(key, mkdir(dirname(path), { recursive: true }));
    }
  }

  private async removeEmptyFolders(folder: string): Promise<void> {
    for (let current = folder; current.startsWith(this.root + sep); current = dirname(current)) {
      try {
        await rmdir(current);
      } catch {
        return; // not empty, already gone, or not ours to remove: stop climbing
      }
    }
  }

  /** Depth-first in key order: a folder sorts as `name/`, so `a-b` < `a/x` < `a0` as plain keys do. */
  private async *walk(folderKey: string, prefix: string): AsyncGenerator<ObjectInfo> {
    let entries: Dirent[];
    try {
      entries = await readdir(join(this.root, folderKey), { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw storageFailure(folderKey, error);
    }
    const visible = entries
      // Symbolic links are neither files nor folders here, so the walk never leaves the root.
      .filter((entry) => entry.isFile() || entry.isDirectory())
      .filter((entry) => !(folderKey === '' && entry.name === TEMP_DIR) && isValidKey(folderKey + entry.name))
      .map((entry) => ({ name: entry.name, isFolder: entry.isDirectory(), sortKey: entry.isDirectory() ? `${entry.name}/` : entry.name }))
      .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    for (const entry of visible) {
      const key = folderKey + entry.name;
      if (entry.isFolder) {
        const folder = `${key}/`;
        if (folder.startsWith(prefix) || prefix.startsWith(folder)) yield* this.walk(folder, prefix);
      } else if (key.startsWith(prefix)) {
        const info = await this.info(key, lstat);
        if (info) yield info; // null: deleted since the folder was read
      }
    }
  }
}

async function writeBody(key: string, file: FileHandle, body: Readable | Uint8Array): Promise<number> {
  if (body instanceof Uint8Array) {
    await writeAll(key, file, body);
    return body.byteLength;
  }
  let size = 0;
  // Errors of the body itself propagate unchanged: they belong to the caller (e.g. a size limit).
  for await (const chunk of body as AsyncIterable<unknown>) {
    const bytes = toBytes(chunk);
    await writeAll(key, file, bytes);
    size += bytes.byteLength;
  }
  return size;
}

async function writeAll(key: string, file: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.byteLength;) {
    const { bytesWritten } = await io(key, file.write(bytes, offset));
    offset += bytesWritten;
  }
}

/** Creates `path` (failing when it exists) with `bytes`, flushed to disk before it resolves; closes it whatever happens. */
function writeNewFile(path: string, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    openFd(path, 'wx', 0o644, (openError, fd) => {
      if (openError) return reject(openError);
      const finish = (error: Error | null): void =>
        close(fd, (closeError) => {
          const failure = error ?? closeError;
          if (failure) reject(failure);
          else resolve();
        });
      const writeFrom = (offset: number): void => {
        if (offset >= bytes.byteLength) return fsync(fd, finish);
        write(fd, bytes, offset, bytes.byteLength - offset, null, (error, written) =>
          error ? finish(error) : writeFrom(offset + written),
        );
      };
      writeFrom(0);
    });
  });
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** File-system failures become public errors: a key/folder clash is a conflict, the rest a backend failure. */
function storageFailure(key: string, error: unknown): PixelfrontError {
  if (isPixelfrontError(error)) return error;
  const code = errorCode(error);
  if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST') {
    return fail('conflict', `storage key ${key} clashes with an existing object or folder`, { cause: error });
  }
  return fail('unavailable', `object storage failed (${code ?? 'error'})`, { cause: error });
}

async function io<T>(key: string, operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    throw storageFailure(key, error);
  }
}
