import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPixelfrontError } from '../../core/errors.ts';
import type { ImageRecord } from '../catalog/types.ts';
import { testConfig } from '../../test/helpers/config.ts';
import { createLogger } from '../logger.ts';
import { FileStorage } from '../storage/file-storage.ts';
import { originalKey, VARIANTS_PREFIX } from '../storage/layout.ts';
import type { ObjectStorage } from '../storage/types.ts';
import { variantIdentity } from './variant-identity.ts';
import { VariantService } from './variants.ts';
import { DEFAULT_SVG_LIMITS } from '../ingest/svg/sanitize.ts';
import { SvgWorkerPool } from '../ingest/svg/svg-pool.ts';

/** Real file storage whose reads of originals and writes of variants a test can hold back or fail. */
class ControlledStorage extends FileStorage {
  failVariantPuts = false;
  holdOriginal: Promise<void> | undefined;
  holdVariantPut: Promise<void> | undefined;
  originalRequested: (() => void) | undefined;

  override async get(...args: Parameters<ObjectStorage['get']>) {
    if (args[0].startsWith('originals/')) {
      this.originalRequested?.();
      await this.holdOriginal;
    }
    return super.get(...args);
  }

  override async put(...args: Parameters<ObjectStorage['put']>) {
    if (args[0].startsWith(VARIANTS_PREFIX)) {
      await this.holdVariantPut;
      if (this.failVariantPuts) throw new Error('disk full');
    }
    return super.put(...args);
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

const svg = new SvgWorkerPool({ limits: DEFAULT_SVG_LIMITS, workers: 1 });
afterAll(() => svg.close());

describe('VariantService', () => {
  let dir: string;
  let storage: ControlledStorage;
  let service: VariantService;
  let image: ImageRecord;
  let rowDeleted: boolean;
  const request = () => ({ image, spec: { w: 20, f: 'png' as const }, identity: variantIdentity(image.id, 'w_20', 'png') });
  const key = () => variantIdentity(image.id, 'w_20', 'png').key;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pixelfront-variants-'));
    storage = new ControlledStorage(dir);
    rowDeleted = false;
    // The catalog as another process's delete leaves it: the row goes first, before any variant sweep.
    const catalog = { getImageById: async (id: string) => (id === image.id && !rowDeleted ? image : null) };
    service = new VariantService({
      config: testConfig({ DATA_DIR: dir }),
      storage,
      catalog,
      logger: createLogger('silent'),
      metrics: undefined,
      svg, // never used: the sources here are PNG
      tempDir: join(dir, 'tmp'),
    });
    const bytes = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer();
    image = {
      id: 'variantTest01',
      tenant: 'default',
      filename: null,
      format: 'png',
      width: 64,
      height: 48,
      bytes: bytes.length,
      sha256: 'ab'.repeat(32),
      frames: 1,
      hasAlpha: false,
      orientation: null,
      blurhash: null,
      dominantColor: null,
      perceptualHash: null,
      createdAt: new Date(),
      title: null,
      alt: null,
      tags: [],
      meta: null,
      exif: null,
      iptc: null,
    };
    await storage.put(originalKey(image.id), bytes);
  });

  afterEach(async () => {
    await service.settled();
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('ensure() fails as unavailable when the variant could not be written, so a batch job retries it', async () => {
    storage.failVariantPuts = true;
    const failure: unknown = await service.ensure(request()).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isPixelfrontError(failure) && failure.code).toBe('unavailable');
    expect(await storage.head(key())).toBeNull();

    storage.failVariantPuts = false;
    const made = await service.ensure(request());
    expect(made.key).toBe(key());
    expect((await storage.head(key()))?.size).toBe(made.bytes);
  });

  it('ensure() waits for the write of a delivery that started the same render', async () => {
    const put = deferred();
    storage.holdVariantPut = put.promise;
    storage.failVariantPuts = true;
    const delivered = await service.get(request());
    expect(delivered.source).toBe('render');
    const ensured = service.ensure(request()).then(
      () => 'stored',
      () => 'failed',
    );
    put.resolve();
    expect(await ensured).toBe('failed');
  });

  it('a render that finishes after its image was deleted is neither cached nor stored', async () => {
    const original = deferred();
    const requested = deferred();
    storage.holdOriginal = original.promise;
    storage.originalRequested = requested.resolve;
    const delivery = service.get(request());
    await requested.promise;
    service.forget(image.id);
    original.resolve();
    expect((await delivery).source).toBe('render');
    await service.settled();
    expect(await storage.head(key())).toBeNull();
    storage.holdOriginal = undefined;
    expect((await service.get(request())).source).toBe('render');
  });

  it('a write-back that lands after another process deleted the image removes itself', async () => {
    const put = deferred();
    storage.holdVariantPut = put.promise;
    expect((await service.get(request())).source).toBe('render');
    rowDeleted = true; // deleted elsewhere: this process was never told (no forget)
    put.resolve();
    await service.settled();
    expect(await storage.head(key())).toBeNull();
    // A batch job's ensure() learns the variant is not stored, so its retry finds the image gone.
    expect(
      await service.ensure(request()).then(
        () => 'stored',
        (error: unknown) => (isPixelfrontError(error) ? error.code : 'other'),
      ),
    ).toBe('unavailable');
  });

  it('a write-back still running when its image is deleted is removed once it lands', async () => {
    const put = deferred();
    storage.holdVariantPut = put.promise;
    expect((await service.get(request())).source).toBe('render');
    rowDeleted = true; // as deleteImage does it: the row first, then forget
    service.forget(image.id);
    put.resolve();
    await service.settled();
    expect(await storage.head(key())).toBeNull();
  });
});
