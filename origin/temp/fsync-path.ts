import { open } from 'node:fs/promises';

/** fsync(2) of a file or folder by path: its bytes (a file) or the names in it (a folder) reach the disk. */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
