import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';

export interface LocalFile {
  path: string;
  size: number;
  mtimeMs: number;
}

const imageExtensions = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.png',
  '.gif',
  '.webp',
  '.avif',
  '.tif',
  '.tiff',
  '.svg',
  '.svgz',
  '.heic',
  '.heif',
]);

/**
 * The files to upload: every file named explicitly (the server decides whether it is an image),
 * and inside folders, recursively, the files with an image extension (hidden entries skipped).
 * Sorted and without duplicates, so runs are repeatable.
 */
export async function findImages(paths: string[]): Promise<LocalFile[]> {
  const found = new Map<string, LocalFile>();
  for (const path of paths) {
    const absolute = resolve(path);
    const info = await stat(absolute).catch(() => undefined);
    if (!info) throw new Error(`${path}: no such file or folder`);
    if (info.isDirectory()) await walk(absolute, found);
    else if (info.isFile()) found.set(absolute, { path: absolute, size: info.size, mtimeMs: info.mtimeMs });
  }
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function walk(folder: string, found: Map<string, LocalFile>): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    return; // unreadable folder: nothing to upload from it
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) await walk(path, found);
    else if (entry.isFile() && imageExtensions.has(extname(entry.name).toLowerCase())) {
      const info = await stat(path);
      found.set(path, { path, size: info.size, mtimeMs: info.mtimeMs });
    }
  }
}
