import { createHash } from 'node:crypto';
import type { ImageFormat, ImageRecord } from '../../origin/catalog/types.ts';

/**
 * A made-up but plausible catalog for the search benchmark, the same for every run (seeded): camera
 * filenames (`IMG_0042.JPG`, `DSC01234.jpg`) beside descriptive ones, titles, alt texts, IPTC
 * captions and keywords drawn from a vocabulary with Zipf frequencies (a few words and tags are
 * everywhere, most are rare), up to 6 tags of 300, formats, sizes and two years of upload times.
 */

export interface Vocabulary {
  words: readonly string[];
  tags: readonly string[];
}

/** mulberry32: small, fast and good enough to draw test data from. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Draws ranks 0…n-1 with probability ∝ 1 / (rank + 1). */
export function zipf(n: number, random: () => number): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (let rank = 0; rank < n; rank += 1) cumulative.push((total += 1 / (rank + 1)));
  return () => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((cumulative[middle] ?? 0) < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

export function vocabulary(random: () => number, size = 5000, tagCount = 300): Vocabulary {
  const syllables = [
    'ka',
    'lo',
    'mer',
    'ti',
    'san',
    'be',
    'ru',
    'no',
    'fa',
    'dit',
    'vo',
    'gle',
    'pa',
    'shi',
    'tor',
    'en',
    'mu',
    'ha',
    'bri',
    'sol',
  ];
  const words = new Set<string>();
  while (words.size < size) {
    const count = 2 + Math.floor(random() * 3);
    words.add(Array.from({ length: count }, () => syllables[Math.floor(random() * syllables.length)] ?? '').join(''));
  }
  const list = [...words];
  return { words: list, tags: list.slice(0, tagCount).map((word, index) => (index % 7 === 0 ? `trip:${word}` : word)) };
}

const formats: [ImageFormat, number][] = [
  ['jpeg', 0.7],
  ['png', 0.15],
  ['webp', 0.1],
  ['heic', 0.03],
  ['gif', 0.02],
];
const sizes = [
  [4032, 3024],
  [6000, 4000],
  [1920, 1080],
  [1200, 800],
  [800, 600],
  [3024, 4032],
  [640, 480],
];
const twoYears = 2 * 365 * 86_400_000;
const start = Date.UTC(2025, 0, 1);

export function makeImages(tenant: string, count: number, vocab: Vocabulary, random: () => number): ImageRecord[] {
  const word = zipf(vocab.words.length, random);
  const tag = zipf(vocab.tags.length, random);
  const pick = () => vocab.words[word()] ?? '';
  const phrase = (min: number, max: number) => Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, pick).join(' ');
  const chance = (p: number) => random() < p;
  return Array.from({ length: count }, (_, index): ImageRecord => {
    const kind = random();
    const filename =
      kind < 0.5
        ? `IMG_${String(Math.floor(random() * 10_000)).padStart(4, '0')}.JPG`
        : kind < 0.7
          ? `DSC${String(Math.floor(random() * 100_000)).padStart(5, '0')}.jpg`
          : `${pick()}-${pick()}-${Math.floor(random() * 100)}.jpg`;
    let roll = random();
    const format = formats.find(([, share]) => (roll -= share) < 0)?.[0] ?? 'jpeg';
    const [width = 800, height = 600] = sizes[Math.floor(random() * sizes.length)] ?? [];
    const captioned = chance(0.2);
    const id = createHash('sha256').update(`${tenant}:${index}`).digest('base64url').slice(0, 22);
    return {
      id,
      tenant,
      filename,
      format,
      width,
      height,
      bytes: Math.round(10_000 * 2000 ** random()),
      sha256: createHash('sha256').update(id).digest('hex'),
      frames: 1,
      hasAlpha: false,
      orientation: 1,
      blurhash: null,
      dominantColor: null,
      createdAt: new Date(start + Math.floor(random() * twoYears)),
      title: chance(0.6) ? phrase(2, 6) : null,
      alt: chance(0.3) ? phrase(5, 12) : null,
      tags: [...new Set(Array.from({ length: Math.floor(random() * 7) }, () => vocab.tags[tag()] ?? ''))],
      meta: null,
      exif: null,
      perceptualHash: null,
      iptc: captioned
        ? { caption: phrase(5, 15), keywords: Array.from({ length: Math.floor(random() * 6) }, pick), creator: null, copyright: null }
        : null,
    };
  });
}
