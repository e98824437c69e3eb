import type { Catalog, ImageRecord, ListImagesOptions } from '../../origin/catalog/types.ts';
import { percentile } from '../stats.ts';
import { zipf, type Vocabulary } from './catalog-images.ts';

/**
 * The search scenario of issue 15: one tenant's images loaded through Catalog.insertImage (the
 * write path uploads take, triggers and all), then `listImages` pages of 100 timed one at a time.
 * The three drawn kinds are the targets (p95 < 50 ms); the fixed ones are the worst cases we know
 * of (the most common tag and word, a two-letter prefix, a sort the words cannot help with).
 */

export interface QueryFigures {
  name: string;
  /** One of the targets of issue 15. */
  target: boolean;
  what: string;
  queries: number;
  p50: number;
  p95: number;
  max: number;
  /** Mean items per page: 100 is a full page, fewer a selective query. */
  meanItems: number;
}

/** Inserts `images` with `concurrency` inserts in flight; returns seconds taken. */
export async function loadImages(catalog: Catalog, images: readonly ImageRecord[], concurrency: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < images.length) {
      const image = images[next];
      next += 1;
      if (image !== undefined) await catalog.insertImage(image);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (performance.now() - started) / 1000;
}

type Query = Omit<ListImagesOptions, 'limit'>;

interface QueryKind {
  name: string;
  target: boolean;
  what: string;
  make: () => Query;
}

export function queryKinds(vocab: Vocabulary, random: () => number): QueryKind[] {
  const word = zipf(vocab.words.length, random);
  const tag = zipf(vocab.tags.length, random);
  const drawnTag = () => vocab.tags[tag()] ?? '';
  // Half whole words, half prefixes of at least 3 letters, as someone typing would send.
  const drawnWord = () => {
    const whole = vocab.words[word()] ?? '';
    return random() < 0.5 || whole.length <= 3 ? whole : whole.slice(0, 3 + Math.floor(random() * (whole.length - 3)));
  };
  const topTag = vocab.tags[0] ?? '';
  const topWord = vocab.words[0] ?? '';
  return [
    { name: 'tag', target: true, what: 'one tag, drawn by frequency', make: () => ({ tags: [drawnTag()] }) },
    { name: 'q', target: true, what: 'one word or prefix, drawn by frequency', make: () => ({ q: drawnWord() }) },
    {
      name: 'combined',
      target: true,
      what: 'q + tag + minWidth=1000, drawn',
      make: () => ({ q: drawnWord(), tags: [drawnTag()], minWidth: 1000 }),
    },
    { name: 'tag-top', target: false, what: `the most common tag (${topTag})`, make: () => ({ tags: [topTag] }) },
    { name: 'q-img', target: false, what: 'q=img (half the filenames)', make: () => ({ q: 'img' }) },
    { name: 'q-prefix-2', target: false, what: `q=${topWord.slice(0, 2)} (2-letter prefix)`, make: () => ({ q: topWord.slice(0, 2) }) },
    { name: 'q-camera', target: false, what: 'q=IMG_2041 (one camera file name)', make: () => ({ q: 'IMG_2041' }) },
    {
      name: 'combined-bytes',
      target: false,
      what: `q=img + tag=${topTag} + format=jpeg, sort=-bytes`,
      make: () => ({ q: 'img', tags: [topTag], format: 'jpeg', sort: '-bytes' }),
    },
    {
      name: 'tags-2-dated',
      target: false,
      what: 'two drawn tags + from/to one month, sort=createdAt',
      make: () => {
        const from = Date.UTC(2025, Math.floor(random() * 23), 1);
        return {
          tags: [drawnTag(), drawnTag()],
          createdFrom: new Date(from),
          createdBefore: new Date(from + 31 * 86_400_000),
          sort: 'createdAt',
        };
      },
    },
  ];
}

export async function measureQueries(
  catalog: Catalog,
  tenant: string,
  kinds: readonly QueryKind[],
  queries: number,
): Promise<QueryFigures[]> {
  const figures: QueryFigures[] = [];
  for (const kind of kinds) {
    // A few untimed queries first: statement caches, the page cache, the planner's first look.
    for (let warm = 0; warm < 10; warm += 1) await catalog.listImages(tenant, { limit: 100, ...kind.make() });
    const times: number[] = [];
    let items = 0;
    for (let run = 0; run < queries; run += 1) {
      const query = kind.make();
      const started = performance.now();
      const page = await catalog.listImages(tenant, { limit: 100, ...query });
      times.push(performance.now() - started);
      items += page.items.length;
    }
    times.sort((a, b) => a - b);
    const round = (ms: number) => Math.round(ms * 10) / 10;
    figures.push({
      name: kind.name,
      target: kind.target,
      what: kind.what,
      queries,
      p50: round(percentile(times, 50)),
      p95: round(percentile(times, 95)),
      max: round(times.at(-1) ?? Number.NaN),
      meanItems: Math.round(items / queries),
    });
  }
  return figures;
}
