import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusManifest, corpusPath, hasCorpus } from '../test/helpers/corpus.ts';
import { startTestOrigin, type TestOrigin } from '../test/helpers/origin.ts';
import { parseUploadArgs, UsageError } from './args.ts';
import type { Summary } from './report.ts';

const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `pixelfront upload …` as a user would (node cli/bin.js), without a TTY. */
function runCli(args: string[], onStart: (kill: () => void) => void = () => undefined): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'upload', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '', HOME: tmpdir() },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    onStart(() => child.kill('SIGKILL'));
  });
}

describe('pixelfront upload arguments', () => {
  it('parses flags and refuses bad ones', () => {
    const options = parseUploadArgs(
      ['a', 'b', '--endpoint', 'http://x:1/', '--eager', 'thumb,card', '--concurrency', '8', '--json', '--multipart-threshold', '100'],
      {},
    );
    expect(options).toMatchObject({
      paths: ['a', 'b'],
      endpoint: 'http://x:1',
      eager: 'thumb,card',
      concurrency: 8,
      json: true,
      multipartThreshold: 100,
    });
    expect(() => parseUploadArgs([], {})).toThrow(UsageError);
    expect(() => parseUploadArgs(['a', '--concurrency', '0'], {})).toThrow(UsageError);
    expect(() => parseUploadArgs(['a', '--part-size', '1000'], {})).toThrow(UsageError);
    expect(() => parseUploadArgs(['a', '--nope'], {})).toThrow();
  });
});

describe('pixelfront upload against a real origin', () => {
  let origin: TestOrigin;
  let dir: string;
  beforeAll(async () => {
    origin = await startTestOrigin({ API_KEYS: 'cli:cli-test-key' });
    dir = await mkdtemp(join(tmpdir(), 'pixelfront-cli-'));
  });
  afterAll(async () => {
    await origin?.destroy();
    await rm(dir, { recursive: true, force: true });
  });
  const common = () => ['--endpoint', origin.url, '--key', 'cli-test-key', '--json', '--state-dir', join(dir, 'state')];

  describe.skipIf(!hasCorpus)('the corpus', () => {
    it('uploads every ok file (large ones through multipart), then reports them all deduplicated', async () => {
      const entries = corpusManifest().filter((entry) => entry.expect === 'ok');
      const files = entries.map(corpusPath);
      const hashes = new Map<string, string>();
      for (const file of files) hashes.set(file, sha256(await readFile(file)));

      const first = await runCli([...files, ...common(), '--multipart-threshold', String(MiB)]);
      const summary = JSON.parse(first.stdout) as Summary;
      expect(summary.items).toHaveLength(files.length);
      const seen = new Set<string>();
      for (const [index, item] of summary.items.entries()) {
        const entry = entries.find((candidate) => corpusPath(candidate) === item.file);
        expect(entry, item.file).toBeDefined();
        const hash = hashes.get(item.file) ?? '';
        if (item.status === 'rejected' && entry?.requires?.length) {
          expect(item.error?.status, `${item.file}: ${JSON.stringify(item.error)}`).toBe(415);
          continue;
        }
        // Deduplicated on the first run only when an earlier file of the list has the same bytes.
        expect(item.status, `${item.file} (#${index}): ${JSON.stringify(item.error)}`).toBe(seen.has(hash) ? 'deduplicated' : 'ok');
        seen.add(hash);
      }
      expect(first.code).toBe(summary.counts.rejected > 0 ? 1 : 0);
      expect(summary.counts.ok).toBeGreaterThan(files.length - 10);

      const second = await runCli([...files, ...common()]);
      const again = JSON.parse(second.stdout) as Summary;
      for (const item of again.items) {
        const before = summary.items.find((candidate) => candidate.file === item.file);
        if (before?.status === 'rejected') expect(item.status).toBe('rejected');
        else expect(item).toMatchObject({ status: 'deduplicated', id: before?.id });
      }
      expect(again.counts.ok).toBe(0);
    });
  });

  it('finds images in folders recursively, and exits 1 when a file is rejected', async () => {
    const folder = join(dir, 'tree');
    const nested = join(folder, 'a', 'b');
    await mkdir(nested, { recursive: true });
    await sharp({ create: { width: 40, height: 30, channels: 3, background: '#ff0000' } })
      .png()
      .toFile(join(folder, 'red.png'));
    await sharp({ create: { width: 30, height: 20, channels: 3, background: '#00ff00' } })
      .webp()
      .toFile(join(nested, 'green.webp'));
    await writeFile(join(nested, 'broken.jpg'), randomBytes(2000));
    await writeFile(join(nested, 'notes.txt'), 'not an image, and not picked up from a folder');
    const run = await runCli([folder, ...common()]);
    const summary = JSON.parse(run.stdout) as Summary;
    expect(summary.items.map((item) => [item.file.slice(folder.length), item.status])).toEqual([
      ['/a/b/broken.jpg', 'rejected'],
      ['/a/b/green.webp', 'ok'],
      ['/red.png', 'ok'],
    ]);
    expect(run.code).toBe(1);

    const table = await runCli([
      join(nested, 'green.webp'),
      '--endpoint',
      origin.url,
      '--key',
      'cli-test-key',
      '--state-dir',
      join(dir, 'state'),
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/deduplicated\s+\S+ \S+\s+.*green\.webp/);
    expect(table.stdout).toContain('0 uploaded, 1 deduplicated, 0 rejected, 0 failed');
  });

  it('resumes an interrupted multipart upload without re-sending the parts the server has', async () => {
    const path = join(dir, 'large.png');
    const pixels = randomBytes(2900 * 2900 * 3);
    const source = await sharp(pixels, { raw: { width: 2900, height: 2900, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    await writeFile(path, source);
    const partCount = Math.ceil(source.length / (5 * MiB));
    expect(partCount).toBeGreaterThanOrEqual(5);

    // Count every part the server stores, and slow parts down so the kill lands mid-upload.
    const stored = new Map<number, number>();
    const storage = origin.services.storage;
    const put = storage.put.bind(storage);
    storage.put = async (key, body, options) => {
      const part = /\.parts\/[^/]+\/(\d+)$/.exec(key);
      if (part) await sleep(300);
      const info = await put(key, body, options);
      if (part) stored.set(Number(part[1]), (stored.get(Number(part[1])) ?? 0) + 1);
      return info;
    };
    const stateDir = join(dir, 'resume-state');
    const args = [
      path,
      '--endpoint',
      origin.url,
      '--key',
      'cli-test-key',
      '--json',
      '--state-dir',
      stateDir,
      '--multipart-threshold',
      String(MiB),
      '--part-size',
      String(5 * MiB),
      '--concurrency',
      '1',
    ];
    try {
      const interrupted = await runCli(args, (kill) => {
        void (async () => {
          // The state file names the upload; kill once the server holds two parts.
          for (let attempt = 0; attempt < 400; attempt += 1) {
            await sleep(25);
            // Only the renamed .json counts: the CLI writes its state through a temp file.
            const name = (await readdir(stateDir).catch(() => [] as string[])).find((entry) => entry.endsWith('.json'));
            if (!name) continue;
            const state = await readFile(join(stateDir, name), 'utf8').catch(() => undefined);
            if (state === undefined) continue;
            const { uploadId } = JSON.parse(state) as { uploadId: string };
            const status = await fetch(`${origin.url}/v1/uploads/${uploadId}`, { headers: { authorization: 'Bearer cli-test-key' } });
            const parts = ((await status.json()) as { parts: unknown[] }).parts;
            if (parts.length >= 2) return kill();
          }
          kill();
        })();
      });
      expect(interrupted.code).toBeNull(); // killed, not finished
      const before = [...stored.values()].reduce((sum, count) => sum + count, 0);
      expect(before).toBeGreaterThanOrEqual(2);
      expect(before).toBeLessThan(partCount);

      const resumed = await runCli(args);
      expect(resumed.code, resumed.stderr).toBe(0);
      const [item] = (JSON.parse(resumed.stdout) as Summary).items;
      expect(item).toMatchObject({ status: 'ok', resumed: true });
      await sleep(50); // the killed run's last, cut-off part may still be failing on the server
      // Every part was stored exactly once across both runs: nothing the server had was re-sent.
      expect([...stored.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: partCount }, (_, index) => index + 1));
      expect(
        [...stored.values()].every((count) => count === 1),
        JSON.stringify([...stored]),
      ).toBe(true);
      expect(item?.partsSent).toBe(partCount - before);

      const original = Buffer.from(await (await fetch(`${origin.url}/img/${item?.id ?? ''}`)).arrayBuffer());
      expect(sha256(original)).toBe(sha256(source));
      expect(await readdir(stateDir)).toEqual([]); // nothing left to resume
    } finally {
      storage.put = put;
    }
  });
});
