import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { isPixelfrontError } from '../../core/errors.ts';
import { KyselyCatalog } from './kysely-catalog.ts';
import { migrateToLatest, migrations } from './migrations.ts';
import type { Database } from './schema.ts';
import type { Catalog, ImageRecord, ListImagesOptions } from './types.ts';

/**
 * Search, filters and sorts of listImages (issue 15, migration 0010-search), the same on every
 * backend: `makeCatalog` opens a catalog over the shared database; tests isolate themselves with
 * random tenants, and each one also stores a look-alike image in another tenant that must never match.
 */
export function describeCatalogSearch(name: string, makeCatalog: () => Promise<Catalog>, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip === true)(`catalog search: ${name}`, () => {
    const opened: Catalog[] = [];
    const open = async (): Promise<Catalog> => {
      const catalog = await makeCatalog();
      opened.push(catalog);
      return catalog;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((catalog) => catalog.close()));
    });

    /** Inserts the images, and a copy of each (other id and hash, same fields) in a stranger tenant. */
    const store = async (catalog: Catalog, images: readonly ImageRecord[]) => {
      const stranger = newTenant();
      for (const image of images) {
        await catalog.insertImage(image);
        await catalog.insertImage({ ...image, id: newId(), sha256: newSha(), tenant: stranger });
      }
    };
    const ids = async (catalog: Catalog, tenant: string, filters: Omit<ListImagesOptions, 'limit'>) =>
      (await catalog.listImages(tenant, { limit: 1000, ...filters })).items.map((image) => image.id).sort();
    const sorted = (...images: ImageRecord[]) => images.map((image) => image.id).sort();

    it('finds words of the filename, title, alt, caption and keywords, each query word as a word prefix', async () => {
      const catalog = await open();
      const tenant = newTenant();
      const camera = newImage(tenant, { filename: 'IMG_2041.JPG' });
      const titled = newImage(tenant, { filename: 'a.png', title: 'Harbour at dawn' });
      const alt = newImage(tenant, { filename: 'b.png', alt: 'Fishing boats in the fog' });
      const caption = newImage(tenant, {
        filename: 'c.png',
        iptc: { caption: 'Café de Flore, Paris', keywords: [], creator: null, copyright: null },
      });
      const keywords = newImage(tenant, {
        filename: 'd.png',
        iptc: { caption: null, keywords: ['Bergen', 'fjord-view'], creator: null, copyright: null },
      });
      const tagged = newImage(tenant, { filename: 'e.png', tags: ['harbour'], meta: { note: 'harbour' } });
      await store(catalog, [camera, titled, alt, caption, keywords, tagged]);

      expect(await ids(catalog, tenant, { q: 'IMG_2041' })).toEqual(sorted(camera));
      expect(await ids(catalog, tenant, { q: 'img_20' })).toEqual(sorted(camera));
      expect(await ids(catalog, tenant, { q: '2041.jpg' })).toEqual(sorted(camera));
      expect(await ids(catalog, tenant, { q: 'IMG 2042' })).toEqual([]);
      // Tags and meta are not words of q (tags have their own filter).
      expect(await ids(catalog, tenant, { q: 'HARB' })).toEqual(sorted(titled));
      expect(await ids(catalog, tenant, { q: 'dawn harbour' })).toEqual(sorted(titled));
      expect(await ids(catalog, tenant, { q: 'dawn fog' })).toEqual([]);
      expect(await ids(catalog, tenant, { q: 'fishing' })).toEqual(sorted(alt));
      expect(await ids(catalog, tenant, { q: 'cafe' })).toEqual(sorted(caption));
      expect(await ids(catalog, tenant, { q: 'CAFÉ paris' })).toEqual(sorted(caption));
      expect(await ids(catalog, tenant, { q: 'bergen' })).toEqual(sorted(keywords));
      expect(await ids(catalog, tenant, { q: 'fjord view' })).toEqual(sorted(keywords));
      // Letters of any script are words; a query with quotes or operators is words too.
      expect(await ids(catalog, tenant, { q: '"paris" * flore^' })).toEqual(sorted(caption));
      expect(await ids(catalog, tenant, { q: "paris' & flore:* |" })).toEqual(sorted(caption));
      expect(await ids(catalog, tenant, { q: 'png' })).toHaveLength(5);
    });

    it('keeps the words in step with edits and deletions', async () => {
      const catalog = await open();
      const tenant = newTenant();
      const image = newImage(tenant, { filename: 'sunset.jpg', title: 'Old pier' });
      const other = newImage(tenant, { filename: 'other.jpg' });
      await store(catalog, [image, other]);

      await catalog.updateImage(tenant, image.id, { title: 'New lighthouse' });
      expect(await ids(catalog, tenant, { q: 'pier' })).toEqual([]);
      expect(await ids(catalog, tenant, { q: 'lighthouse sunset' })).toEqual(sorted(image));
      await catalog.updateImage(tenant, image.id, { filename: 'dusk.jpg', tags: ['x'] });
      expect(await ids(catalog, tenant, { q: 'sunset' })).toEqual([]);
      expect(await ids(catalog, tenant, { q: 'dusk lighthouse' })).toEqual(sorted(image));
      await catalog.updateImage(tenant, image.id, { title: null });
      expect(await ids(catalog, tenant, { q: 'lighthouse' })).toEqual([]);

      expect(await catalog.deleteImage(tenant, image.id)).toBe(true);
      expect(await ids(catalog, tenant, { q: 'dusk' })).toEqual([]);
      const again = newImage(tenant, { filename: 'dusk.jpg' });
      await catalog.insertImage(again);
      expect(await ids(catalog, tenant, { q: 'dusk' })).toEqual(sorted(again));
      expect(await ids(catalog, tenant, { q: 'other' })).toEqual(sorted(other));
    });

    it('filters by tags (all must match), format, upload time, taken time and dimensions', async () => {
      const catalog = await open();
      const tenant = newTenant();
      const day = (date: string) => new Date(`${date}T12:00:00Z`);
      const taken = (takenAt: string) => ({ ...noExif, takenAt });
      const sea = newImage(tenant, {
        tags: ['sea', 'trip:2026'],
        format: 'jpeg',
        width: 4000,
        height: 3000,
        createdAt: day('2026-03-01'),
        exif: taken('2025-12-31T23:30:00'),
      });
      const seaOnly = newImage(tenant, {
        tags: ['sea'],
        format: 'png',
        width: 800,
        height: 1200,
        createdAt: day('2026-03-02'),
        exif: taken('2026-01-01T00:30:00+02:00'),
      });
      const trip = newImage(tenant, {
        tags: ['trip:2026', 'city'],
        format: 'webp',
        width: 1920,
        height: 1080,
        createdAt: day('2026-04-10'),
      });
      await store(catalog, [sea, seaOnly, trip]);

      expect(await ids(catalog, tenant, { tags: ['sea'] })).toEqual(sorted(sea, seaOnly));
      expect(await ids(catalog, tenant, { tags: ['SEA', 'trip:2026'] })).toEqual(sorted(sea));
      expect(await ids(catalog, tenant, { tags: ['sea', 'city'] })).toEqual([]);
      expect(await ids(catalog, tenant, { tags: ['nothing'] })).toEqual([]);
      expect(await ids(catalog, tenant, { format: 'png' })).toEqual(sorted(seaOnly));
      expect(await ids(catalog, tenant, { format: 'gif' })).toEqual([]);
      expect(await ids(catalog, tenant, { createdFrom: day('2026-03-02') })).toEqual(sorted(seaOnly, trip));
      expect(await ids(catalog, tenant, { createdBefore: day('2026-03-02') })).toEqual(sorted(sea));
      expect(
        await ids(catalog, tenant, { createdFrom: new Date('2026-03-01T00:00:00Z'), createdBefore: new Date('2026-04-01T00:00:00Z') }),
      ).toEqual(sorted(sea, seaOnly));
      // A taken time without an offset counts as UTC; +02:00 moves the second before midnight UTC.
      expect(await ids(catalog, tenant, { takenFrom: new Date('2025-12-31T23:00:00Z') })).toEqual(sorted(sea));
      expect(await ids(catalog, tenant, { takenBefore: new Date('2026-01-01T00:00:00Z') })).toEqual(sorted(sea, seaOnly));
      expect(await ids(catalog, tenant, { minWidth: 1920 })).toEqual(sorted(sea, trip));
      expect(await ids(catalog, tenant, { minHeight: 1200 })).toEqual(sorted(sea, seaOnly));
      expect(await ids(catalog, tenant, { minWidth: 1000, minHeight: 1100 })).toEqual(sorted(sea));
      expect(await ids(catalog, tenant, { tags: ['trip:2026'], format: 'jpeg', minWidth: 4000, createdFrom: day('2026-02-01') })).toEqual(
        sorted(sea),
      );

      await catalog.updateImage(tenant, trip.id, { tags: ['sea'] });
      expect(await ids(catalog, tenant, { tags: ['sea'] })).toEqual(sorted(sea, seaOnly, trip));
      await catalog.deleteImage(tenant, sea.id);
      expect(await ids(catalog, tenant, { tags: ['trip:2026'] })).toEqual([]);
    });

    it('pages through every match once in each sort, and refuses a cursor of another sort', async () => {
      const catalog = await open();
      const tenant = newTenant();
      const base = Date.UTC(2026, 0, 1);
      // Shared times and sizes exercise the id tie-break across page borders.
      const images = Array.from({ length: 23 }, (_, index) =>
        newImage(tenant, {
          title: index % 4 === 0 ? 'skipped' : 'Walk in the park',
          createdAt: new Date(base + Math.floor(index / 3) * 1000),
          bytes: 1000 * (index % 5),
        }),
      );
      await store(catalog, images);
      const matching = images.filter((image) => image.title !== 'skipped');

      for (const sort of ['-createdAt', 'createdAt', '-bytes'] as const) {
        const listed: ImageRecord[] = [];
        let cursor: string | undefined;
        for (let pages = 0; ; pages += 1) {
          expect(pages).toBeLessThan(10);
          const page = await catalog.listImages(tenant, { limit: 4, cursor, sort, q: 'park' });
          listed.push(...page.items);
          if (page.next === null) break;
          cursor = page.next;
        }
        expect(listed.map((image) => image.id).sort(), sort).toEqual(sorted(...matching));
        const keys = listed.map((image) => (sort === '-bytes' ? image.bytes : image.createdAt.getTime()));
        const ordered = [...keys].sort((a, b) => (sort === 'createdAt' ? a - b : b - a));
        expect(keys, sort).toEqual(ordered);
        expect(listed).toEqual((await catalog.listImages(tenant, { limit: 1000, sort, q: 'park' })).items);
      }

      const cursorOf = async (sort: ListImagesOptions['sort']) => (await catalog.listImages(tenant, { limit: 2, sort })).next ?? undefined;
      const refused = (promise: Promise<unknown>) =>
        expect(promise).rejects.toSatisfy(
          (error) => isPixelfrontError(error) && error.code === 'invalid_request' && /sort=/.test(error.message),
        );
      await refused(catalog.listImages(tenant, { limit: 2, sort: '-bytes', cursor: await cursorOf('-createdAt') }));
      await refused(catalog.listImages(tenant, { limit: 2, sort: 'createdAt', cursor: await cursorOf('-bytes') }));
      await refused(catalog.listImages(tenant, { limit: 2, cursor: await cursorOf('createdAt') }));
    });

    it('refuses a q without words, an unknown sort and impossible bounds as invalid_request', async () => {
      const catalog = await open();
      const tenant = newTenant();
      await catalog.insertImage(newImage(tenant));
      const bad: Omit<ListImagesOptions, 'limit'>[] = [
        { q: '' },
        { q: '  -_.*"  ' },
        { q: 'x'.repeat(300) },
        { q: Array.from({ length: 17 }, (_, index) => `w${index}`).join(' ') },
        { sort: 'bytes' as '-bytes' },
        { minWidth: -1 },
        { minHeight: 1.5 },
        { createdFrom: new Date(Number.NaN) },
      ];
      for (const filters of bad) {
        await expect(catalog.listImages(tenant, { limit: 10, ...filters }), JSON.stringify(filters)).rejects.toSatisfy(
          (error) => isPixelfrontError(error) && error.code === 'invalid_request',
        );
      }
    });
  });
}

/**
 * A catalog made by the migrations before 0010, with rows carrying people's metadata and EXIF/IPTC:
 * after migrating, those rows are found by their words and taken time, and new rows join them.
 */
export function describeSearchUpgrade(name: string, openEmpty: () => Promise<Kysely<Database>>, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip === true)(`catalog search upgrade: ${name}`, () => {
    it('backfills the words and taken time of the rows of a catalog migrated to 0009', async () => {
      const db = await openEmpty();
      try {
        await migrateToLatest(
          db,
          migrations.filter((migration) => migration.name < '0010'),
        );
        const tenant = newTenant();
        const old = Array.from({ length: 1203 }, (_, index) => newImage(tenant, { filename: `IMG_${String(index).padStart(4, '0')}.JPG` }));
        const described = newImage(tenant, {
          filename: 'scan.tif',
          title: 'Lighthouse',
          tags: ['coast'],
          exif: { ...noExif, takenAt: '2019-07-01T10:00:00+02:00' },
          iptc: { caption: 'Storm over Brittany', keywords: ['Finistère'], creator: null, copyright: null },
        });
        for (const image of [...old, described]) {
          await sql`insert into images (id, tenant, filename, format, width, height, bytes, sha256, frames, has_alpha, orientation, blurhash, dominant_color, created_at, title, alt, tags, meta, exif, iptc)
            values (${image.id}, ${tenant}, ${image.filename}, ${image.format}, ${image.width}, ${image.height}, ${image.bytes}, ${image.sha256}, ${image.frames}, 0, ${image.orientation}, ${image.blurhash}, ${image.dominantColor}, ${image.createdAt.getTime()},
              ${image.title}, ${image.alt}, ${image.tags.length === 0 ? null : JSON.stringify(image.tags)}, null, ${image.exif === null ? null : JSON.stringify(image.exif)}, ${image.iptc === null ? null : JSON.stringify(image.iptc)})`.execute(
            db,
          );
        }
        await sql`insert into image_tags (image_id, tenant, tag) values (${described.id}, ${tenant}, 'coast')`.execute(db);

        expect(await migrateToLatest(db)).toContain('0010-search');
        const catalog = new KyselyCatalog(db);
        const find = async (filters: Omit<ListImagesOptions, 'limit'>) => {
          const found: ImageRecord[] = [];
          let cursor: string | undefined;
          do {
            const page = await catalog.listImages(tenant, { limit: 1000, ...filters, cursor });
            found.push(...page.items);
            cursor = page.next ?? undefined;
          } while (cursor !== undefined);
          return found;
        };
        expect(await find({})).toHaveLength(1204);
        expect(await find({ q: 'img_1202' })).toEqual([old[1202]]);
        expect(await find({ q: 'img' })).toHaveLength(1203);
        expect(await find({ q: 'finistere storm lighthouse' })).toEqual([described]);
        expect(
          await find({ tags: ['coast'], takenFrom: new Date('2019-07-01T08:00:00Z'), takenBefore: new Date('2019-07-01T08:00:01Z') }),
        ).toEqual([described]);

        const fresh = newImage(tenant, { filename: 'IMG_9999.JPG' });
        expect((await catalog.insertImage(fresh)).inserted).toBe(true);
        expect(await find({ q: 'img_9999' })).toEqual([fresh]);
        await catalog.deleteImage(tenant, old[0]?.id ?? '');
        expect(await find({ q: 'img_0000' })).toEqual([]);
        expect(await find({ q: 'img' })).toHaveLength(1203);
      } finally {
        await db.destroy();
      }
    });
  });
}

const noExif = {
  make: null,
  model: null,
  lens: null,
  takenAt: null,
  exposureTime: null,
  fNumber: null,
  iso: null,
  focalLength: null,
  gps: null,
};

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
    filename: 'photo.png',
    format: 'png',
    width: 640,
    height: 480,
    bytes: 12_345,
    sha256: newSha(),
    frames: 1,
    hasAlpha: false,
    orientation: 1,
    blurhash: null,
    dominantColor: null,
    perceptualHash: null,
    title: null,
    alt: null,
    tags: [],
    meta: null,
    exif: null,
    iptc: null,
    createdAt: new Date(Date.UTC(2026, 4, 1) + Math.floor(Math.random() * 1_000_000)),
    ...overrides,
  };
}
