import { randomUUID } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fail } from '../../core/errors.ts';
import { useTempFile } from '../temp/temp-files.ts';
import type { ObjectStorage } from '../storage/types.ts';

/**
 * Originals above this size are never held whole in memory: libvips reads them from a file, in
 * sequence. Buffered, an 800 MB TIFF took 2.7 GB of RSS for its first render (issue 20); below
 * it, keeping recent originals in memory saves a read per new variant.
 */
export const BUFFERED_SOURCE_MAX_BYTES = 16 * 1024 * 1024;

/** How many downloaded originals nobody uses are kept on disk for the next render. */
const IDLE_FILES_KEPT = 4;

/** A local file of an object for as long as the holder needs it; release() exactly once. */
export interface SourceFile {
  path: string;
  release: () => void;
}

interface Download {
  ready: Promise<string>;
  users: number;
  /** Release of the temp file's protection from the scratch sweeper. */
  unprotect: () => void;
  /** Its object was deleted: remove the file when the last user releases it. */
  forgotten?: boolean;
}

/**
 * Local files of large stored objects (the originals of renders). Storage that keeps objects as
 * files (FileStorage) hands out its own file: objects are replaced by rename, so an open file
 * never changes. Other storage (S3) is downloaded to a temp file once, shared by the renders that
 * use it at the same time, and kept for the next few renders after the last one ends.
 */
export class SourceFiles {
  private readonly downloads = new Map<string, Download>();
  /** Keys of downloads nobody uses, least recently released first. */
  private readonly idle: string[] = [];
  private closed = false;

  constructor(private readonly deps: { storage: ObjectStorage; tempDir: string }) {}

  async acquire(key: string): Promise<SourceFile> {
    if (this.deps.storage.localFile) {
      const local = await this.deps.storage.localFile(key);
      if (local === null) throw fail('not_found', `the stored object ${key} is missing`);
      return { path: local, release: () => undefined };
    }
    let download = this.downloads.get(key);
    if (!download) {
      download = this.start(key);
      this.downloads.set(key, download);
    }
    download.users += 1;
    this.touch(key, false);
    try {
      const path = await download.ready;
      return { path, release: once(() => this.release(key)) };
    } catch (error) {
      this.release(key);
      throw error;
    }
  }

  /** Removes the files nobody uses now; those in use go when released (shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.idle].map((key) => this.drop(key)));
  }

  /** The object was deleted: its download goes now, or when its last user releases it. */
  forget(key: string): void {
    const download = this.downloads.get(key);
    if (!download) return;
    if (download.users === 0) void this.drop(key);
    else download.forgotten = true;
  }

  private start(key: string): Download {
    const path = join(this.deps.tempDir, `source-${randomUUID()}`);
    const unprotect = useTempFile(path);
    const ready = (async () => {
      const stored = await this.deps.storage.get(key);
      if (!stored) throw fail('not_found', `the stored object ${key} is missing`);
      await mkdir(this.deps.tempDir, { recursive: true });
      const file = await open(path, 'wx');
      try {
        await pipeline(stored.body, file.createWriteStream());
      } catch (error) {
        await rm(path, { force: true });
        throw error;
      }
      return path;
    })();
    // A failed download is forgotten at once, so the next render tries again.
    ready.catch(() => {
      if (this.downloads.get(key)?.ready === ready) this.downloads.delete(key);
      unprotect();
    });
    return { ready, users: 0, unprotect };
  }

  private release(key: string): void {
    const download = this.downloads.get(key);
    if (!download) return;
    download.users -= 1;
    if (download.users > 0) return;
    if (download.forgotten) {
      void this.drop(key);
      return;
    }
    this.touch(key, true);
    while (this.idle.length > (this.closed ? 0 : IDLE_FILES_KEPT)) {
      const oldest = this.idle.shift();
      if (oldest !== undefined) void this.drop(oldest);
    }
  }

  private touch(key: string, idle: boolean): void {
    const at = this.idle.indexOf(key);
    if (at >= 0) this.idle.splice(at, 1);
    if (idle) this.idle.push(key);
  }

  private async drop(key: string): Promise<void> {
    const download = this.downloads.get(key);
    if (!download) return;
    this.downloads.delete(key);
    this.touch(key, false);
    const path = await download.ready.catch(() => undefined);
    if (path !== undefined) await rm(path, { force: true }).catch(() => undefined);
    download.unprotect();
  }
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}
