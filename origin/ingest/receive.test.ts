import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { receiveToTempFile } from './receive.ts';

describe('receiveToTempFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pixelfront-receive-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('hashes and counts the body into a temp file that discard() removes', async () => {
    const tempDir = join(dir, 'tmp');
    const received = await receiveToTempFile(Readable.from([Buffer.from('hello '), Buffer.from('world')]), { tempDir, maxBytes: 100 });
    expect(received.bytes).toBe(11);
    expect(received.sha256).toBe('b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9');
    await received.discard();
    expect(await readdir(tempDir)).toEqual([]);
  });

  it('stops at the limit and leaves no temp file', async () => {
    const tempDir = join(dir, 'tmp');
    await expect(receiveToTempFile(Readable.from([Buffer.alloc(60), Buffer.alloc(60)]), { tempDir, maxBytes: 100 })).rejects.toMatchObject({
      code: 'payload_too_large',
    });
    expect(await readdir(tempDir)).toEqual([]);
  });

  it('releases the body when no temp file can be made', async () => {
    const source = join(dir, 'source.bin');
    await writeFile(source, 'bytes');
    const blocked = join(dir, 'not-a-folder');
    await writeFile(blocked, 'x');
    const body = createReadStream(source);
    await expect(receiveToTempFile(body, { tempDir: join(blocked, 'tmp'), maxBytes: 100 })).rejects.toThrow();
    expect(body.destroyed).toBe(true);
  });
});
