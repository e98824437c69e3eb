import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { isPixelfrontError } from '../../core/errors.ts';
import { KyselyCatalog } from './kysely-catalog.ts';
import { migrateToLatest, migrations } from './migrations.ts';
import type { Database } from './schema.ts';
import type { Catalog, ImageRecord } from './types.ts';

/**
 * The behaviour every Catalog backend must have. `makeCatalog` opens a new catalog over the same
 * database each call (running migrations); tests isolate themselves with random tenants.
 */
export function describeCatalogContract(name: string, makeCatalog: () => Promise<Catalog>, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip === true)(`catalog contract: ${name}`, () => {
    const opened: Catalog[] = [];
    const open = async (): Promise<Catalog> => {
      const catalog = await makeCatalog();
      opened.push(catalog);
      return catalog;
    };

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((catalog) => catalog.close()));
    });

    it('stores an image and reads it back by tenant, by id and by sha256', async () => {
      const catalog = await open();
      const tenant = newTenant();
      const image = newImage(tenant, { filename: null, hasAlpha: true, orientation: null, blurhash: null, dominantColor: null });
      const other = newImage(tenant, { format: 'avif', frames: 12, orientation: 6, bytes: 5_000_000_000 });

      expect(await catalog.insertImage(image)).toEqual({ image, inserted: true });
      expect(await catalog.insertImage(other)).toEqual({ image: other, inserted: true });
      expect(await catalog.getImage(tenant, image.id)).toEqual(image);
      expect(await catalog.getImageById(other.id)).toEqual(other);
      expect(await catalog.findBySha256(tenant, other.sha256)).toEqual(other);
      const read = await catalog.getImage(tenant, other.id);
      expect(read?.createdAt).toBeInstanceOf(Date);
      expect(typeof read?.bytes).toBe('number');

      expect(await catalog.getImage(tenant, newId())).toBeNull();
      expect(await catalog.getImageById(newId())).toBeNull();
      expect(await catalog.findBySha256(tenant, newSha())).toBeNull();
    });

    it("never shows, lists or deletes another tenant's image", async () => {
      const catalog = await open();
      const owner = newTenant();
      const stranger = newTenant();
      const image = newImage(owner);
      await catalog.insertImage(image);

      expect(await catalog.getImage(stranger, image.id)).toBeNull();
      expect(await catalog.findBySha256(stranger, image.sha256)).toBeNull();
      expect(await catalog.listImages(stranger, { limit: 10 })).toEqual({ items: [], next: null });
      expect(await catalog.deleteImage(stranger, image.id)).toBe(false);
      expect(await catalog.getImage(owner, image.id)).toEqual(image);
      expect((await catalog.listImages(owner, { limit: 10 })).items).toEqual([image]);
    });

    it("lists by sha256: the tenant's one image with those bytes, or none", async () => {
      const catalog = await open();
      const tenant = newTenant();
      const [first, second] = [newImage(tenant), newImage(tenant)];
      await catalog.insertImage(first);
      await catalog.insertImage(second);
      await catalog.insertImage(newImage(newTenant(), { sha256: first.sha256 }));

      expect(await catalog.listImages(tenant, { limit: 10, sha256: first.sha256 })).toEqual({ items: [first], next: null });
      expect(await catalog.listImages(tenant, { limit: 1, sha256: second.sha256 })).toEqual({ items: [second], next: null });
      expect(await catalog.listImages(tenant, { limit: 10, sha256: newSha() })).toEqual({ items: [], next: null });
      expect(await catalog.listImages(newTenant(), { limit: 10, sha256: first.sha256 })).toEqual({ items: [], next: null });
    });

    it('deduplicates by sha256 within a tenant only', async () => {
      const catalog = await open();
      const tenant = newTenant();
      const first = newImage(tenant);
      const again = newImage(tenant, { sha256: first.sha256, filename: 'again.png' });
      const elsewhere = newImage(newTenant(), { sha256: first.sha256 });

      await catalog.insertImage(first);
      expect(await catalog.insertImage(again)).toEqual({ image: first, inserted: false });
      expect(await catalog.getImageById(again.id)).toBeNull();
      expect(await catalog.insertImage(elsewhere)).toEqual({ image: elsewhere, inserted: true });
      expect((await catalog.listImages(tenant, { limit: 10 })).items).toHaveLength(1);
    });

    it('lets exactly one of concurrent inserts of the same bytes win', async () => {
      const catalog = await open();
      const tenant = newTenant();
      const sha256 = newSha();
      const attempts = Array.from({ length: 10 }, () => newImage(tenant, { sha256 }));

      const results = await Promise.all(attempts.map((image) => catalog.insertImage(image)));

      expect(results.filter((result) => result.inserted)).toHaveLength(1);
      const winner = results.find((result) => result.inserted)?.image;
      expect(winner).toBeDefined();
      for (const result of results) expect(result.image).toEqual(winner);
      expect((await catalog.listImages(tenant, { limit: 100 })).items).toEqual([winner]);
    });

    it('pages through every image exactly once, newest first', async () => {
      const catalog = await open();
      const tenant = newTenant();
      const base = Date.UTC(2026, 0, 1);
      // Several images share a timestamp so the id tie-break is exercised across page borders.
      const images = Array.from({ length: 25 }, (_, index) =>
        newImage(tenant, { createdAt: new Date(base + Math.floor(index / 3) * 1000) }),
      );
      for (const image of shuffle(images)) await catalog.insertImage(image);
      const expected = [...images].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());

      const pages: ImageRecord[][] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await catalog.listImages(tenant, { limit: 10, cursor });
        pages.push(page.items);
        if (page.next === null) break;
        expect(pages.length).toBeLessThan(10);
        cursor = page.next;
      }

      expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
      const listed = pages.flat();
      expect(new Set(listed.map((image) => image.id)).size).toBe(25);
      expect(listed.map((image) => image.createdAt.getTime())).toEqual(expected.map((image) => image.createdAt.getTime()));
      expect(listed.map((image) => image.id).sort()).toEqual(images.map((image) => image.id).sort());
      // Ids within a timestamp follow the backend's collation, so compare against its own single page.
      expect(listed).toEqual((await catalog.listImages(tenant, { limit: 1000 })).items);
    });

    it('ends without an empty page when the count is a multiple of the limit', async () => {
      const catalog = await open();
      const tenant = newTenant();
      for (let index = 0; index < 4; index += 1)
        await catalog.insertImage(newImage(tenant, { createdAt: new Date(1_700_000_000_000 + index) }));

      const first = await catalog.listImages(tenant, { limit: 2 });
      expect(first.items).toHaveLength(2);
      expect(first.next).not.toBeNull();
      const second = await catalog.listImages(tenant, { limit: 2, cursor: first.next ?? undefined });
      expect(second.items).toHaveLength(2);
      expect(second.next).toBeNull();
      expect(await catalog.listImages(tenant, { limit: 1000 })).toMatchObject({ next: null });
    });

    it('rejects a malformed cursor or an out-of-range limit as invalid_request', async () => {
      const catalog = await open();
      const tenant = newTenant();
      await catalog.insertImage(newImage(tenant));
      const b64 = (text: string) => Buffer.from(text).toString('base64url');
      const cursors = [
        '',
        'not a cursor',
        '%%%',
        'abc=',
        b64('garbage'),
        b64('12:'),
        b64(':abcdefgh'),
        b64('-1:abcdefgh'),
        b64('1:abc/def'),
        b64('99999999999999999:abcdefgh'),
        'x'.repeat(5000),
      ];
      for (const cursor of cursors) {
        await expect(catalog.listImages(tenant, { limit: 10, cursor }), cursor).rejects.toSatisfy(
          (error) => isPixelfrontError(error) && error.code === 'invalid_request',
        );
      }
      for (const limit of [0, -1, 1001, 2.5, Number.NaN]) {
        await expect(catalog.listImages(tenant, { limit }), String(limit)).rejects.toSatisfy(
          (error) => isPixelfrontError(error) && error.code === 'invalid_request',
        );
      }
    });

    it('deletes an image once', async () => {
      const catalog = await open();
      const tenant = newTenant();
      const image = newImage(tenant);
      const kept = newImage(tenant);
      await catalog.insertImage(image);
      await catalog.insertImage(kept);

      expect(await catalog.deleteImage(tenant, image.id)).toBe(true);
      expect(await catalog.deleteImage(tenant, image.id)).toBe(false);
      expect(await catalog.getImage(tenant, image.id)).toBeNull();
      expect(await catalog.getImageById(image.id)).toBeNull();
      expect(await catalog.findBySha256(tenant, image.sha256)).toBeNull();
      expect((await catalog.listImages(tenant, { limit: 10 })).items).toEqual([kept]);
      // The same bytes can be uploaded again after deletion.
      expect((await catalog.insertImage(newImage(tenant, { sha256: image.sha256 }))).inserted).toBe(true);
    });

    it('opens an already migrated database again and sees its data', async () => {
      const first = await open();
      const tenant = newTenant();
      const image = newImage(tenant);
      await first.insertImage(image);

      const second = await open();
      expect(await second.getImage(tenant, image.id)).toEqual(image);
      expect((await second.insertImage(newImage(tenant, { sha256: image.sha256 }))).inserted).toBe(false);
    });

    it('stores the EXIF and IPTC facts read at ingest, untouched by edits', async () => {
      const catalog = await open();
      const tenant = newTenant();
      const exif = {
        make: 'FUJIFILM',
        model: 'X-T2',
        lens: 'XF18-55mm',
        takenAt: '2018-10-12T14:45:38+02:00',
        exposureTime: 0.004,
        fNumber: 2.8,
        iso: 200,
        focalLength: 55,
        gps: { latitude: 46.5, longitude: 7.25 },
      };
      const iptc = { caption: 'Bergen im Herbst', keywords: ['fall', 'bergen'], creator: 'B. V.', copyright: '© 2018' };
      const image = newImage(tenant, { exif, iptc });
      await catalog.insertImage(image);
      expect(await catalog.getImage(tenant, image.id)).toEqual(image);
      expect(await catalog.updateImage(tenant, image.id, { title: 'Alps' })).toEqual({ ...image, title: 'Alps' });
      expect((await catalog.listImages(tenant, { limit: 1 })).items[0]).toMatchObject({ exif, iptc });
    });

    it("stores people's own metadata and replaces it field by field", async () => {
      const catalog = await open();
      const tenant = newTenant();
      const meta = { shoot: 'harbour', rating: 4, nested: { list: [1, 'two', null], ok: true } };
      const image = newImage(tenant, { title: 'Harbour at dawn', alt: 'Boats in fog', tags: ['sea', 'trip:2026'], meta });
      await catalog.insertImage(image);
      expect(await catalog.getImage(tenant, image.id)).toEqual(image);

      const retitled = await catalog.updateImage(tenant, image.id, { title: 'Harbour', tags: ['fog'], filename: 'harbour.jpg' });
      expect(retitled).toEqual({ ...image, title: 'Harbour', tags: ['fog'], filename: 'harbour.jpg' });
      expect(await catalog.updateImage(tenant, image.id, { alt: null, meta: null, tags: [] })).toEqual({
        ...image,
        title: 'Harbour',
        filename: 'harbour.jpg',
        alt: null,
        meta: null,
        tags: [],
      });
      expect(await catalog.updateImage(tenant, image.id, {})).toMatchObject({ id: image.id, title: 'Harbour' });
      expect((await catalog.listImages(tenant, { limit: 10 })).items[0]).toMatchObject({ title: 'Harbour', tags: [] });

      expect(await catalog.updateImage(newTenant(), image.id, { title: 'stolen' })).toBeNull();
      expect(await catalog.updateImage(tenant, newId(), { title: 'nobody' })).toBeNull();
      expect((await catalog.getImage(tenant, image.id))?.title).toBe('Harbour');
    });

    it("finds the tenant's images within a Hamming distance of a perceptual hash, nearest first, from the band indexes", async () => {
      const catalog = await open();
      const tenant = newTenant();
      const query = randomBytes(8).toString('hex');
      // One flip per band keeps every band different from the query's: only probes within the radius find them.
      const spread = flipBits(query, [0, 16, 32, 48]);
      const near = newImage(tenant, { perceptualHash: flipBits(query, [3]) });
      const same = newImage(tenant, { perceptualHash: query });
      const atFour = newImage(tenant, { perceptualHash: spread });
      const atEight = newImage(tenant, { perceptualHash: flipBits(spread, [1, 17, 33, 49]) });
      const far = newImage(tenant, {
        perceptualHash: flipBits(
          query,
          Array.from({ length: 20 }, (_, bit) => bit * 3),
        ),
      });
      const unhashed = newImage(tenant);
      const stranger = newImage(newTenant(), { perceptualHash: query });
      for (const image of [near, same, atFour, atEight, far, unhashed, stranger]) await catalog.insertImage(image);

      expect(await catalog.getImage(tenant, near.id)).toEqual(near);
      expect(await catalog.findSimilar(tenant, query, { maxDistance: 10, limit: 10 })).toEqual([
        { id: same.id, distance: 0 },
        { id: near.id, distance: 1 },
        { id: atFour.id, distance: 4 },
        { id: atEight.id, distance: 8 },
      ]);
      expect(await catalog.findSimilar(tenant, query, { maxDistance: 4, limit: 10, excludeId: same.id })).toEqual([
        { id: near.id, distance: 1 },
        { id: atFour.id, distance: 4 },
      ]);
      expect(await catalog.findSimilar(tenant, query, { maxDistance: 3, limit: 1 })).toEqual([{ id: same.id, distance: 0 }]);
      expect(await catalog.findSimilar(tenant, query, { maxDistance: 16, limit: 100 })).toHaveLength(4);
      expect(await catalog.findSimilar(newTenant(), query, { maxDistance: 16, limit: 100 })).toEqual([]);
      for (const maxDistance of [-1, 17, 2.5])
        await expect(catalog.findSimilar(tenant, query, { maxDistance, limit: 10 })).rejects.toSatisfy(
          (error) => isPixelfrontError(error) && error.code === 'invalid_request',
        );
      await expect(catalog.findSimilar(tenant, 'XYZ', { maxDistance: 1, limit: 10 })).rejects.toSatisfy(
        (error) => isPixelfrontError(error) && error.code === 'invalid_request',
      );
    });

    it('lists raster images without a perceptual hash and records one for them', async () => {
      const catalog = await open();
      const tenant = newTenant();
      const unhashed = newImage(tenant);
      const drawing = newImage(tenant, { format: 'svg' });
      const hashed = newImage(tenant, { perceptualHash: 'ffff0000ffff0000' });
      for (const image of [unhashed, drawing, hashed]) await catalog.insertImage(image);
      const listed = async () => {
        const ids: string[] = [];
        let after: string | undefined;
        for (let page = await catalog.listUnhashed(2); page.length > 0; page = await catalog.listUnhashed(2, after)) {
          ids.push(...page.map((image) => image.id));
          after = page.at(-1)?.id;
        }
        return ids;
      };
      expect(await listed()).toContain(unhashed.id);
      expect(await listed()).not.toContain(drawing.id);
      expect(await listed()).not.toContain(hashed.id);

      expect(await catalog.setPerceptualHash(unhashed.id, 'ffff0000ffff0001')).toBe(true);
      expect(await catalog.setPerceptualHash(newId(), 'ffff0000ffff0001')).toBe(false);
      expect(await listed()).not.toContain(unhashed.id);
      expect(await catalog.findSimilar(tenant, 'ffff0000ffff0000', { maxDistance: 1, limit: 10 })).toEqual([
        { id: hashed.id, distance: 0 },
        { id: unhashed.id, distance: 1 },
      ]);
    });

    it('pings while open and fails once closed', async () => {
      const catalog = await open();
      await expect(catalog.ping()).resolves.toBeUndefined();
      await catalog.close();
      await expect(catalog.ping()).rejects.toThrow();
      await expect(catalog.close()).resolves.toBeUndefined();
    });
  });
}

/**
 * Upgrading a catalog made by an earlier release: `openEmpty` gives a database nobody migrated yet.
 * Rows written at the schema of 0004 (the last release before issue 15) survive every later migration.
 */
export function describeCatalogUpgrade(name: string, openEmpty: () => Promise<Kysely<Database>>, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip === true)(`catalog upgrade: ${name}`, () => {
    it('keeps the images of a catalog migrated to 0004 when migrating to the latest schema', async () => {
      const db = await openEmpty();
      try {
        await migrateToLatest(
          db,
          migrations.filter((migration) => migration.name <= '0004'),
        );
        const tenant = newTenant();
        const image = newImage(tenant);
        await sql`insert into images (id, tenant, filename, format, width, height, bytes, sha256, frames, has_alpha, orientation, blurhash, dominant_color, created_at)
          values (${image.id}, ${tenant}, ${image.filename}, ${image.format}, ${image.width}, ${image.height}, ${image.bytes}, ${image.sha256}, ${image.frames}, 0, ${image.orientation}, ${image.blurhash}, ${image.dominantColor}, ${image.createdAt.getTime()})`.execute(
          db,
        );

        const applied = await migrateToLatest(db);
        expect(applied).toEqual(migrations.map((migration) => migration.name).filter((migration) => migration > '0004'));
        const catalog = new KyselyCatalog(db);
        expect(await catalog.getImage(tenant, image.id)).toEqual(image);
        expect((await catalog.listImages(tenant, { limit: 10 })).items).toEqual([image]);
        expect(await catalog.updateImage(tenant, image.id, { tags: ['kept'] })).toEqual({ ...image, tags: ['kept'] });
      } finally {
        await db.destroy();
      }
    });

    it('keeps hashed images of a catalog migrated to 0011 and finds them through the covering indexes of 0013', async () => {
      const db = await openEmpty();
      try {
        await migrateToLatest(
          db,
          migrations.filter((migration) => migration.name < '0012'),
        );
        const tenant = newTenant();
        const image = newImage(tenant, { perceptualHash: '8f0e1d2c3b4a5968' });
        await new KyselyCatalog(db).insertImage(image);

        expect(await migrateToLatest(db)).toEqual(migrations.map((migration) => migration.name).filter((name) => name >= '0012'));
        const catalog = new KyselyCatalog(db);
        expect(await catalog.getImage(tenant, image.id)).toEqual(image);
        expect(await catalog.findSimilar(tenant, '8f0e1d2c3b4a596b', { maxDistance: 4, limit: 10 })).toEqual([
          { id: image.id, distance: 2 },
        ]);
      } finally {
        await db.destroy();
      }
    });
  });
}

function newTenant(): string {
  return `t-${randomBytes(6).toString('hex')}`;
}

function newId(): string {
  return randomBytes(16).toString('base64url');
}

function newSha(): string {
  return randomBytes(32).toString('hex');
}

function newImage(tenant: string, overrides: Partial<ImageRecord> = {}): ImageRecord {
  return {
    id: newId(),
    tenant,
    filename: `${randomUUID()}.png`,
    format: 'png',
    width: 640,
    height: 480,
    bytes: 12_345,
    sha256: newSha(),
    frames: 1,
    hasAlpha: false,
    orientation: 1,
    blurhash: 'LEHV6nWB2yk8pyo0adR*.7kCMdnj',
    dominantColor: '#aabbcc',
    perceptualHash: null,
    title: null,
    alt: null,
    tags: [],
    meta: null,
    exif: null,
    iptc: null,
    createdAt: new Date(Date.UTC(2026, 4, 1, 12, 0, 0, 123) + Math.floor(Math.random() * 1_000_000)),
    ...overrides,
  };
}

/** The hash with the given bits (0 = most significant) flipped. */
function flipBits(hash: string, bits: readonly number[]): string {
  let value = BigInt(`0x${hash}`);
  for (const bit of bits) value ^= 1n << BigInt(63 - bit);
  return value.toString(16).padStart(16, '0');
}

function shuffle<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(Math.random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}
