import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalFile } from './find-images.ts';

/**
 * What lets a multipart upload resume after an interruption: the upload id, kept in a small
 * JSON file per (endpoint, file path, size, mtime). A changed file gets a new key and so a fresh
 * upload; which parts already arrived is always asked from the server, never trusted from here.
 */
export interface ResumeState {
  uploadId: string;
  partSize: number;
  endpoint: string;
  path: string;
  size: number;
  mtimeMs: number;
}

export function stateFile(stateDir: string, endpoint: string, file: LocalFile): string {
  const key = createHash('sha256')
    .update(JSON.stringify([endpoint, file.path, file.size, file.mtimeMs]))
    .digest('hex')
    .slice(0, 32);
  return join(stateDir, `upload-${key}.json`);
}

export async function loadState(path: string): Promise<ResumeState | undefined> {
  try {
    const state = JSON.parse(await readFile(path, 'utf8')) as Partial<ResumeState>;
    if (typeof state.uploadId !== 'string' || typeof state.partSize !== 'number') return undefined;
    return state as ResumeState;
  } catch {
    return undefined; // none yet, or unreadable: start a new upload
  }
}

export async function saveState(path: string, state: ResumeState): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(state, null, 2));
  await rename(temp, path);
}

export async function clearState(path: string): Promise<void> {
  await rm(path, { force: true });
}
