import type { Dirent } from 'node:fs';
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Scratch files of this process (upload temp files, storage writes in progress) and the sweep
 * that removes those a crash left behind. A file this process still uses is never removed,
 * however old; any other file goes once nothing has written to it for `maxAgeMs`, which also
 * spares the live files of another process sharing the directory.
 */

const inUse = new Set<string>();

/** Marks `path` as in use until the returned function is called. */
export function useTempFile(path: string): () => void {
  inUse.add(path);
  return () => {
    inUse.delete(path);
  };
}

/** Removes the files of `dir` not in use and not modified for `maxAgeMs`; returns how many. */
export async function removeStaleFiles(dir: string, maxAgeMs: number): Promise<number> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let removed = 0;
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (!entry.isFile() || inUse.has(path)) continue;
    const stats = await lstat(path).catch(() => undefined);
    // Checked again after the stat: the file may have been taken into use meanwhile.
    if (stats && Date.now() - stats.mtimeMs > maxAgeMs && !inUse.has(path)) {
      await unlink(path).then(
        () => (removed += 1),
        () => undefined,
      );
    }
  }
  return removed;
}
