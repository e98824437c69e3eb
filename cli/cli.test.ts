import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
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
function runCli(args: string[], onStart: (kill: (signal?: NodeJS.Signals) => void) => void = () => undefined): Promise<CliRun> {
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
    onStart((signal = 'SIGKILL') => child.kill(signal));
  });
}

/** A loopback port nothing listens on (taken, then freed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Slows the server's part writes, so a signal lands mid-upload, and counts every part it stores. */
function slowParts(origin: TestOrigin): { stored: Map<number, number>; restore(): void } {
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
  return { stored, restore: () => (storage.put = put) };
}

/** Calls `act` once the multipart upload named in the CLI's state folder holds `parts` parts (or after 10 s). */
function whenServerHolds(url: string, stateDir: string, parts: number, act: () => void): void {
  void (async () => {
    for (let attempt = 0; attempt < 400; attempt += 1) {
      await sleep(25);
      // Only the renamed .json counts: the CLI writes its state through a temp file.
      const name = (await readdir(stateDir).catch(() => [] as string[])).find((entry) => entry.endsWith('.json'));
      if (!name) continue;
      const state = await readFile(join(stateDir, name), 'utf8').catch(() => undefined);
      if (state === undefined) continue;
      const { uploadId } = JSON.parse(state) as { uploadId: string };
      const status = await fetch(`${url}/v1/uploads/${uploadId}`, { headers: { authorization: 'Bearer cli-test-key' } });
      if (((await status.json()) as { parts: unknown[] }).parts.length >= parts) return act();
    }
    act();
  })();
}

/** A PNG of random pixels (incompressible), written to `path`; its bytes. */
async function noisePng(path: string, side: number): Promise<Buffer> {
  const source = await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  await writeFile(path, source);
  return source;
}

/** util-linux `script`: runs a command on a pseudo-terminal, so the CLI draws its bar and Ctrl-C is typed. */
const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs `pixelfront upload …` on a terminal; `onStart` gets a function that types Ctrl-C. */
function runCliOnTerminal(args: string[], onStart: (ctrlC: () => void) => void): Promise<CliRun> {
  const command = [process.execPath, bin, 'upload', ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '', HOME: tmpdir(), TERM: 'xterm', COLUMNS: '200' },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr: '' }));
    onStart(() => child.stdin.write('\x03'));
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
  /** One file at a time, multipart above 1 MiB in 5 MiB parts. */
  const multipart = (stateDir: string) => [
    ...['--endpoint', origin.url, '--key', 'cli-test-key', '--state-dir', stateDir],
    ...['--multipart-threshold', String(MiB), '--part-size', String(5 * MiB), '--concurrency', '1'],
  ];

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
        else expect(item).toMatchObject({ status: 'deduplicated', id: before?.id, skipped: true });
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
    expect(table.stdout).toMatch(/^deduplicated\s+.*green\.webp \S+ \(already on the server, not sent\)$/m);
    expect(table.stdout).toContain('0 uploaded, 1 deduplicated (1 not sent: the server had it), 0 rejected, 0 failed');
  });

  it('without a terminal prints each file once, as it finishes, then only the counts', async () => {
    const folder = join(dir, 'once');
    await mkdir(folder, { recursive: true });
    for (const [name, color] of [
      ['one.png', '#112233'],
      ['two.png', '#445566'],
    ] as const) {
      await sharp({ create: { width: 20, height: 20, channels: 3, background: color } })
        .png()
        .toFile(join(folder, name));
    }
    await writeFile(join(folder, 'bad.png'), randomBytes(500));
    const run = await runCli([folder, '--endpoint', origin.url, '--key', 'cli-test-key', '--state-dir', join(dir, 'state')]);
    expect(run.code).toBe(1);
    for (const name of ['one.png', 'two.png', 'bad.png']) expect(run.stdout.split(name).length - 1, `${name} in:\n${run.stdout}`).toBe(1);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('2 uploaded, 0 deduplicated, 1 rejected, 0 failed');
  });

  it('says once, before any file, that the server cannot be reached or refuses the key', async () => {
    const folder = join(dir, 'refused');
    await mkdir(folder, { recursive: true });
    for (const name of ['a.png', 'b.png']) {
      await sharp({ create: { width: 10, height: 10, channels: 3, background: name === 'a.png' ? '#010203' : '#040506' } })
        .png()
        .toFile(join(folder, name));
    }
    const closed = await closedPort();
    const away = await runCli([folder, '--endpoint', `http://127.0.0.1:${closed}`, '--state-dir', join(dir, 'state')]);
    expect(away.code).toBe(1);
    expect(away.stderr).toMatch(/^pixelfront: cannot reach http:\/\/127\.0\.0\.1:\d+ \(.*ECONNREFUSED.*\): is the origin running there\?/);
    expect(away.stdout, 'no line per file').toBe('');

    const wrongKey = await runCli([folder, '--endpoint', origin.url, '--key', 'not-the-key', '--state-dir', join(dir, 'state')]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain(`pixelfront: ${origin.url} refused the API key (401 unauthorized:`);
    expect(wrongKey.stdout, 'no line per file').toBe('');
    expect((await origin.services.catalog.listImages('cli', { limit: 1000 })).items.map((image) => image.filename)).not.toContain('a.png');
  });

  it('sends a file the server calls too large (413) as a multipart upload instead', async () => {
    // An origin whose MAX_UPLOAD_BYTES is below the CLI's multipart threshold (32 MiB).
    const small = await startTestOrigin({ MAX_UPLOAD_BYTES: '20000' });
    try {
      const file = join(dir, 'noise.png');
      await sharp(randomBytes(120 * 120 * 3), { raw: { width: 120, height: 120, channels: 3 } })
        .png()
        .toFile(file);
      const bytes = await readFile(file);
      expect(bytes.length).toBeGreaterThan(20000);
      const stateDir = join(dir, 'small-state');
      const run = await runCli([file, '--endpoint', small.url, '--json', '--state-dir', stateDir]);
      expect(run.code, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout) as Summary;
      expect(summary.items).toMatchObject([{ status: 'ok', partsSent: 1 }]);
      const stored = await small.services.catalog.getImage('default', summary.items[0]?.id ?? '');
      expect(stored?.sha256).toBe(sha256(bytes));
      expect(await readdir(stateDir).catch(() => []), 'no resume state left').toEqual([]);
    } finally {
      await small.destroy();
    }
  });

  it('on a re-run asks by content hash and sends nothing the server has; --eager then queues a batch', async () => {
    const folder = join(dir, 'rerun');
    await mkdir(folder, { recursive: true });
    for (const [index, color] of ['#aa0000', '#00aa00', '#0000aa'].entries()) {
      await sharp({ create: { width: 30 + index, height: 30, channels: 3, background: color } })
        .png()
        .toFile(join(folder, `${index}.png`));
    }
    // A large file too, so the multipart path asks first as well.
    const large = join(folder, 'large.png');
    await sharp(randomBytes(1200 * 1000 * 3), { raw: { width: 1200, height: 1000, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toFile(large);
    const args = [folder, ...common(), '--multipart-threshold', String(MiB)];
    const first = JSON.parse((await runCli(args)).stdout) as Summary;
    expect(first.counts).toMatchObject({ ok: 4 });

    // Everything the server is sent lands in storage and the catalog: count both.
    const { storage, catalog } = origin.services;
    const [put, insert] = [storage.put.bind(storage), catalog.insertImage.bind(catalog)];
    let writes = 0;
    storage.put = (key, ...rest) => {
      // The batch below renders variants: those writes are not uploads.
      if (!key.startsWith('variants/')) writes += 1;
      return put(key, ...rest);
    };
    catalog.insertImage = (...insertArgs) => ((writes += 1), insert(...insertArgs));
    try {
      const again = await runCli([...args, '--eager', 'thumb']);
      expect(again.code, again.stderr).toBe(0);
      const summary = JSON.parse(again.stdout) as Summary;
      expect(summary.items.map((item) => [item.status, item.skipped, item.id])).toEqual(
        first.items.map((item) => ['deduplicated', true, item.id]),
      );
      expect(summary.eagerBatches).toHaveLength(1);
      const batch = await fetch(`${origin.url}/v1/batches/${summary.eagerBatches?.[0] ?? ''}`, {
        headers: { authorization: 'Bearer cli-test-key' },
      });
      expect(((await batch.json()) as { total: number }).total).toBeGreaterThanOrEqual(4);
      expect(writes, 'storage writes and catalog inserts of uploads').toBe(0);
    } finally {
      storage.put = put;
      catalog.insertImage = insert;
    }
  });

  it('resumes an interrupted multipart upload without re-sending the parts the server has', async () => {
    const path = join(dir, 'large.png');
    const source = await noisePng(path, 2900);
    const partCount = Math.ceil(source.length / (5 * MiB));
    expect(partCount).toBeGreaterThanOrEqual(5);
    const parts = slowParts(origin);
    const stateDir = join(dir, 'resume-state');
    const args = [path, ...multipart(stateDir), '--json'];
    try {
      const interrupted = await runCli(args, (kill) => whenServerHolds(origin.url, stateDir, 2, () => kill()));
      expect(interrupted.code).toBeNull(); // killed, not finished
      const before = [...parts.stored.values()].reduce((sum, count) => sum + count, 0);
      expect(before).toBeGreaterThanOrEqual(2);
      expect(before).toBeLessThan(partCount);

      const resumed = await runCli(args);
      expect(resumed.code, resumed.stderr).toBe(0);
      const [item] = (JSON.parse(resumed.stdout) as Summary).items;
      expect(item).toMatchObject({ status: 'ok', resumed: true });
      await sleep(50); // the killed run's last, cut-off part may still be failing on the server
      // Every part was stored exactly once across both runs: nothing the server had was re-sent.
      expect([...parts.stored.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: partCount }, (_, index) => index + 1));
      expect(
        [...parts.stored.values()].every((count) => count === 1),
        JSON.stringify([...parts.stored]),
      ).toBe(true);
      expect(item?.partsSent).toBe(partCount - before);

      const original = Buffer.from(await (await fetch(`${origin.url}/img/${item?.id ?? ''}`)).arrayBuffer());
      expect(sha256(original)).toBe(sha256(source));
      expect(await readdir(stateDir)).toEqual([]); // nothing left to resume
    } finally {
      parts.restore();
    }
  });

  it('on Ctrl-C (SIGINT) says what was uploaded and how to resume, exits 130, and the same command finishes', async () => {
    const folder = join(dir, 'sigint');
    await mkdir(folder, { recursive: true });
    await sharp({ create: { width: 20, height: 20, channels: 3, background: '#778899' } })
      .png()
      .toFile(join(folder, 'a-small.png'));
    const source = await noisePng(join(folder, 'large.png'), 2000);
    const partCount = Math.ceil(source.length / (5 * MiB));
    expect(partCount).toBe(3);
    await sharp({ create: { width: 20, height: 20, channels: 3, background: '#998877' } })
      .png()
      .toFile(join(folder, 'z-later.png'));
    const parts = slowParts(origin);
    const stateDir = join(dir, 'sigint-state');
    const args = [folder, ...multipart(stateDir)];
    try {
      const interrupted = await runCli(args, (kill) => whenServerHolds(origin.url, stateDir, 1, () => kill('SIGINT')));
      expect(interrupted.code, interrupted.stderr).toBe(130);
      const lines = interrupted.stdout.trim().split('\n');
      expect(lines.slice(0, 3).map((line) => line.split(/\s+/).slice(0, 2).join(' '))).toEqual([
        `ok ${relative(process.cwd(), join(folder, 'a-small.png'))}`,
        `interrupted ${relative(process.cwd(), join(folder, 'large.png'))}`,
        `interrupted ${relative(process.cwd(), join(folder, 'z-later.png'))}`,
      ]);
      expect(lines.at(-1)).toBe('1 uploaded, 0 deduplicated, 0 rejected, 0 failed, 2 interrupted');
      expect(interrupted.stderr).toContain('interrupted after 1 of 3 files (1 uploaded, 0 already there); 2 not done.');
      expect(interrupted.stderr).toContain('Run the same command again to finish');
      expect(await readdir(stateDir)).toHaveLength(1); // the multipart upload, kept to resume

      const finished = await runCli([...args, '--json']);
      expect(finished.code, finished.stderr).toBe(0);
      const items = (JSON.parse(finished.stdout) as Summary).items.map(({ file, status, skipped, resumed }) => ({
        file: file.replace(folder, ''),
        status,
        skipped,
        resumed,
      }));
      expect(items).toEqual([
        { file: '/a-small.png', status: 'deduplicated', skipped: true, resumed: undefined },
        { file: '/large.png', status: 'ok', skipped: undefined, resumed: true },
        { file: '/z-later.png', status: 'ok', skipped: undefined, resumed: undefined },
      ]);
      await sleep(50); // the interrupted part may still be failing on the server
      expect([...parts.stored.keys()].sort()).toEqual([1, 2, 3]);
      expect(await readdir(stateDir)).toEqual([]);
    } finally {
      parts.restore();
    }
  });

  it.skipIf(!hasScript)('on a terminal, Ctrl-C ends the bar line before the table and the message', async () => {
    const folder = join(dir, 'terminal');
    await mkdir(folder, { recursive: true });
    await noisePng(join(folder, 'large.png'), 2000);
    const parts = slowParts(origin);
    const stateDir = join(dir, 'terminal-state');
    try {
      const run = await runCliOnTerminal([folder, ...multipart(stateDir)], (ctrlC) => whenServerHolds(origin.url, stateDir, 1, ctrlC));
      expect(run.code, run.stdout).toBe(130);
      // What the terminal shows once redraws (\r) and escape sequences are applied line by line.
      const screen = run.stdout
        .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
        .split(/\r?\n/)
        .map((line) => line.split('\r').at(-1) ?? '');
      const header = screen.findIndex((line) => /^status\s+size\s+file/.test(line));
      expect(header, run.stdout).toBeGreaterThan(0);
      expect(
        screen.slice(0, header).some((line) => /files \|/.test(line)),
        'the bar, on its own line above',
      ).toBe(true);
      expect(screen[header + 2]).toMatch(/^interrupted\s/);
      expect(screen).toContain('0 uploaded, 0 deduplicated, 0 rejected, 0 failed, 1 interrupted');
      expect(run.stdout).toContain('Run the same command again to finish');
      // The cut part may still be in its 300 ms of slowness on the server: let it fail before the data folder goes.
      await sleep(500);
    } finally {
      parts.restore();
    }
  });
});
