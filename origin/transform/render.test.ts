import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { isPixelfrontError } from '../../core/errors.ts';
import type { OutputFormat, TransformSpec } from '../../core/transform-spec.ts';
import { readSourceHeader } from './probe.ts';
import { render, type RenderResult } from './render.ts';
import {
  animatedWebp,
  blue,
  green,
  near,
  pixels,
  quadrants,
  red,
  solid,
  yellow,
  type Pixels,
  type Rgb,
} from '../../test/helpers/render.ts';

const limits = { maxInputPixels: 100_000_000, maxFrames: 500, timeoutMs: 30_000, maxOutputDimension: 8192, maxOutputPixels: 40_000_000 };
const magenta: Rgb = [255, 0, 255];
const white: Rgb = [255, 255, 255];

let source: Buffer;
beforeAll(async () => {
  source = await quadrants();
});

function run(
  spec: TransformSpec,
  format: OutputFormat = 'png',
  input: Buffer = source,
  extra: Partial<Parameters<typeof render>[0]> = {},
): Promise<RenderResult> {
  return render({ source: input, spec, format, limits, ...extra });
}

async function rejection(promise: Promise<unknown>): Promise<{ code: string; status: number }> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isPixelfrontError(error)) throw new Error(`expected a PixelfrontError, got ${String(error)}`);
  return { code: error.code, status: error.status };
}

interface Row {
  name: string;
  spec: TransformSpec;
  size: [number, number];
  /** Pixels (x, y) of the output and the colour expected there. */
  expect?: Array<[number, number, Rgb]>;
}

// Source: 400x200, red | green over blue | yellow.
const geometry: Row[] = [
  {
    name: 'fit by width',
    spec: { w: 100 },
    size: [100, 50],
    expect: [
      [10, 10, red],
      [90, 10, green],
      [10, 40, blue],
      [90, 40, yellow],
    ],
  },
  { name: 'fit by height', spec: { h: 50 }, size: [100, 50] },
  { name: 'fit into a box keeps the aspect', spec: { w: 100, h: 100 }, size: [100, 50] },
  { name: 'fit never upscales', spec: { w: 800 }, size: [400, 200] },
  { name: 'fit with ar derives the height', spec: { w: 200, ar: [1, 1] }, size: [200, 100] },
  {
    name: 'fill centre',
    spec: { c: 'fill', w: 100, h: 100 },
    size: [100, 100],
    expect: [
      [10, 10, red],
      [90, 10, green],
      [10, 90, blue],
      [90, 90, yellow],
    ],
  },
  {
    name: 'fill west keeps the left',
    spec: { c: 'fill', w: 100, h: 100, g: 'west' },
    size: [100, 100],
    expect: [
      [90, 10, red],
      [90, 90, blue],
    ],
  },
  {
    name: 'fill east keeps the right',
    spec: { c: 'fill', w: 100, h: 100, g: 'east' },
    size: [100, 100],
    expect: [
      [10, 10, green],
      [10, 90, yellow],
    ],
  },
  {
    name: 'fill north keeps the top',
    spec: { c: 'fill', w: 100, h: 20, g: 'north' },
    size: [100, 20],
    expect: [
      [10, 15, red],
      [90, 15, green],
    ],
  },
  {
    name: 'fill south keeps the bottom',
    spec: { c: 'fill', w: 100, h: 20, g: 'south' },
    size: [100, 20],
    expect: [
      [10, 5, blue],
      [90, 5, yellow],
    ],
  },
  {
    name: 'fill south_east',
    spec: { c: 'fill', w: 40, h: 40, g: 'south_east' },
    size: [40, 40],
    expect: [
      [5, 35, yellow],
      [35, 35, yellow],
    ],
  },
  { name: 'fill with ar only crops to the aspect', spec: { c: 'fill', ar: [1, 1] }, size: [200, 200] },
  {
    name: 'fill larger than the source: largest crop of that aspect',
    spec: { c: 'fill', w: 800, h: 800 },
    size: [200, 200],
    expect: [
      [10, 10, red],
      [190, 10, green],
    ],
  },
  {
    name: 'fill focal point right',
    spec: { c: 'fill', w: 100, h: 100, fp: [0.95, 0.5] },
    size: [100, 100],
    expect: [
      [5, 10, green],
      [95, 90, yellow],
    ],
  },
  {
    name: 'fill focal point left',
    spec: { c: 'fill', w: 100, h: 100, fp: [0.05, 0.5] },
    size: [100, 100],
    expect: [
      [95, 10, red],
      [95, 90, blue],
    ],
  },
  { name: 'fill auto (attention)', spec: { c: 'fill', w: 100, h: 100, g: 'auto' }, size: [100, 100] },
  { name: 'fill entropy', spec: { c: 'fill', w: 100, h: 100, g: 'entropy' }, size: [100, 100] },
  {
    name: 'scale stretches',
    spec: { c: 'scale', w: 100, h: 100 },
    size: [100, 100],
    expect: [
      [10, 10, red],
      [90, 10, green],
      [10, 90, blue],
      [90, 90, yellow],
    ],
  },
  { name: 'scale never upscales a side', spec: { c: 'scale', w: 800, h: 100 }, size: [400, 100] },
  {
    name: 'pad centre',
    spec: { c: 'pad', w: 200, h: 200, b: 'ff00ff' },
    size: [200, 200],
    expect: [
      [100, 10, magenta],
      [100, 190, magenta],
      [10, 60, red],
      [190, 140, yellow],
    ],
  },
  {
    name: 'pad north',
    spec: { c: 'pad', w: 200, h: 200, g: 'north', b: 'ff00ff' },
    size: [200, 200],
    expect: [
      [10, 10, red],
      [10, 190, magenta],
    ],
  },
  { name: 'pad defaults to white', spec: { c: 'pad', w: 200, h: 200 }, size: [200, 200], expect: [[100, 10, white]] },
  {
    name: 'pad never upscales: the source sits on the canvas',
    spec: { c: 'pad', w: 600, h: 600, b: 'ff00ff' },
    size: [600, 600],
    expect: [
      [10, 10, magenta],
      [110, 210, red],
      [490, 390, yellow],
      [300, 590, magenta],
    ],
  },
  {
    name: 'crop region',
    spec: { c: 'crop', x: 200, y: 0, w: 200, h: 100 },
    size: [200, 100],
    expect: [
      [10, 10, green],
      [190, 90, green],
    ],
  },
  {
    name: 'crop region clamped to the source',
    spec: { c: 'crop', x: 300, y: 150, w: 200, h: 200 },
    size: [100, 50],
    expect: [[50, 25, yellow]],
  },
  { name: 'crop by gravity', spec: { c: 'crop', w: 100, h: 50, g: 'south_east' }, size: [100, 50], expect: [[50, 25, yellow]] },
  { name: 'crop auto keeps the scale', spec: { c: 'crop', w: 100, h: 50, g: 'auto' }, size: [100, 50] },
  {
    name: 'rotate 90 after resize',
    spec: { w: 100, a: 90 },
    size: [50, 100],
    expect: [
      [40, 10, red],
      [10, 10, blue],
      [40, 90, green],
      [10, 90, yellow],
    ],
  },
  {
    name: 'rotate 180',
    spec: { w: 100, a: 180 },
    size: [100, 50],
    expect: [
      [10, 10, yellow],
      [90, 40, red],
    ],
  },
  {
    name: 'rotate 270',
    spec: { w: 100, a: 270 },
    size: [50, 100],
    expect: [
      [10, 90, red],
      [10, 10, green],
      [40, 90, blue],
    ],
  },
  { name: 'rotate a fill crop', spec: { c: 'fill', w: 100, h: 50, g: 'west', a: 90 }, size: [50, 100] },
  {
    name: 'pad turns with the image',
    spec: { c: 'pad', w: 200, h: 300, g: 'north', b: 'ff00ff', a: 90 },
    size: [300, 200],
    expect: [
      [290, 10, red],
      [10, 10, magenta],
    ],
  },
];

function check(output: Pixels, row: Row): void {
  expect([output.width, output.height]).toEqual(row.size);
  for (const [x, y, colour] of row.expect ?? []) {
    const actual = output.at(x, y);
    expect(near(actual, colour), `${row.name}: pixel ${x},${y} is ${actual.join(',')}, expected ${colour.join(',')}`).toBe(true);
  }
}

describe('render: c modes, gravity, focal point, rotation', () => {
  it.each(geometry)('$name', async (row) => {
    const result = await run(row.spec);
    expect(result.format).toBe('png');
    expect([result.width, result.height]).toEqual(row.size);
    check(await pixels(result.data), row);
  });

  it('rejects a crop region outside the source', async () => {
    expect(await rejection(run({ c: 'crop', x: 500, y: 0, w: 10, h: 10 }))).toMatchObject({ code: 'invalid_transform', status: 400 });
  });
});

describe('render: effects', () => {
  it('blur changes pixels near an edge, not far from it', async () => {
    const plain = await pixels((await run({ w: 200 })).data);
    const blurred = await pixels((await run({ w: 200, e: [{ name: 'blur', sigma: 5 }] })).data);
    expect(near(plain.at(98, 25), red, 5)).toBe(true);
    expect(near(blurred.at(98, 25), red, 30)).toBe(false);
    expect(near(blurred.at(20, 25), red, 5)).toBe(true);
  });

  it('sharpen changes pixels at an edge', async () => {
    const soft = await sharp(await quadrants())
      .blur(3)
      .png()
      .toBuffer();
    const plain = await pixels((await run({ w: 200 }, 'png', soft)).data);
    const sharpened = await pixels((await run({ w: 200, e: [{ name: 'sharpen', sigma: 2 }] }, 'png', soft)).data);
    let changed = 0;
    for (let x = 90; x < 110; x += 1) if (!near(plain.at(x, 25), sharpened.at(x, 25) as unknown as Rgb, 3)) changed += 1;
    expect(changed).toBeGreaterThan(0);
  });

  it('grayscale makes every pixel grey, keeping three bands', async () => {
    const result = await run({ w: 100, e: [{ name: 'grayscale' }] }, 'jpeg');
    const output = await pixels(result.data);
    for (const [x, y] of [
      [10, 10],
      [90, 10],
      [10, 40],
      [90, 40],
    ] as const) {
      const [r, g, b] = output.at(x, y);
      expect(Math.max(r, g, b) - Math.min(r, g, b)).toBeLessThanOrEqual(4);
    }
    expect(output.at(10, 10)[0]).not.toBe(output.at(90, 40)[0]);
  });

  it('effects run before the pad: the pad stays its exact colour next to a blurred image', async () => {
    const result = await run({ c: 'pad', w: 200, h: 200, b: 'ff00ff', e: [{ name: 'blur', sigma: 4 }] });
    const output = await pixels(result.data);
    expect(output.at(100, 49)).toEqual([255, 0, 255, 255]);
  });
});

describe('render: background and flattening', () => {
  it('flattens alpha onto b for JPEG', async () => {
    const transparent = await solid(50, 50, '#ff000000', 4);
    const output = await pixels((await run({ b: '00ff00' }, 'jpeg', transparent)).data);
    expect(near(output.at(25, 25), green, 10)).toBe(true);
  });

  it('flattens onto white by default', async () => {
    const transparent = await solid(50, 50, '#0000ff00', 4);
    const output = await pixels((await run({}, 'jpeg', transparent)).data);
    expect(near(output.at(25, 25), white, 10)).toBe(true);
  });

  it('keeps alpha for PNG and pads with a transparent b', async () => {
    const result = await run({ c: 'pad', w: 200, h: 200, b: '00000000' });
    const output = await pixels(result.data);
    expect(output.at(100, 10)[3]).toBe(0);
    expect(output.at(100, 100)[3]).toBe(255);
  });

  it('pads a grey source with a coloured b in colour', async () => {
    const grey = await sharp(await quadrants())
      .greyscale()
      .png()
      .toBuffer();
    const output = await pixels((await run({ c: 'pad', w: 200, h: 200, b: 'ff00ff' }, 'png', grey)).data);
    expect(near(output.at(100, 10), magenta, 5)).toBe(true);
  });
});

describe('render: watermark', () => {
  const mark = (): Promise<Buffer> => solid(40, 20, '#0000ff');
  const loadWatermark = async (name: string): Promise<Buffer | null> => (name === 'logo' ? mark() : null);
  const white400 = (): Promise<Buffer> => solid(400, 200, '#ffffff');

  it('scales to a share of the output width and sits at its gravity with a margin', async () => {
    const result = await run({ wm: { name: 'logo', gravity: 'south_east', opacity: 100, scale: 25 } }, 'png', await white400(), {
      loadWatermark,
    });
    const output = await pixels(result.data);
    // 25 % of 400 = 100 wide (50 high), margin 2 % of 200 = 4 px.
    expect(near(output.at(400 - 4 - 50, 200 - 4 - 25), blue, 5)).toBe(true);
    expect(near(output.at(400 - 4 - 99, 200 - 4 - 49), blue, 5)).toBe(true);
    expect(near(output.at(400 - 4 - 101, 200 - 4 - 25), white, 5)).toBe(true);
    expect(near(output.at(397, 197), white, 5)).toBe(true);
    expect(near(output.at(10, 10), white, 5)).toBe(true);
  });

  it('north_west corner and opacity fades it', async () => {
    const result = await run({ wm: { name: 'logo', gravity: 'north_west', opacity: 50, scale: 20 } }, 'png', await white400(), {
      loadWatermark,
    });
    const output = await pixels(result.data);
    const [r, g, b] = output.at(10, 10);
    expect(b).toBeGreaterThan(240);
    expect(r).toBeGreaterThan(100);
    expect(r).toBeLessThan(160);
    expect(g).toBeLessThan(160);
    expect(near(output.at(390, 190), white, 5)).toBe(true);
  });

  it('an unknown watermark is 404 not_found', async () => {
    expect(
      await rejection(run({ wm: { name: 'nope', gravity: 'south_east', opacity: 100, scale: 20 } }, 'png', source, { loadWatermark })),
    ).toMatchObject({ code: 'not_found', status: 404 });
    expect(await rejection(run({ wm: { name: 'logo', gravity: 'south_east', opacity: 100, scale: 20 } }))).toMatchObject({
      code: 'not_found',
    });
  });
});

describe('render: encode', () => {
  it.each(['jpeg', 'png', 'webp', 'avif', 'gif'] as const)('writes %s', async (format) => {
    const result = await run({ w: 100 }, format);
    const meta = await sharp(result.data).metadata();
    expect(meta.format).toBe(format === 'avif' ? 'heif' : format);
    expect(result.contentType).toBe(`image/${format}`);
    expect([meta.width, meta.height]).toEqual([100, 50]);
    expect(near((await pixels(result.data)).at(10, 10), red, 60)).toBe(true);
  });

  it('q changes the size of lossy output; q_auto is accepted', async () => {
    const photo = await sharp({
      create: { width: 300, height: 300, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
    })
      .png()
      .toBuffer();
    const low = await run({ q: 10 }, 'jpeg', photo);
    const high = await run({ q: 95 }, 'jpeg', photo);
    const auto = await run({ q: 'auto' }, 'webp', photo);
    expect(low.data.length).toBeLessThan(high.data.length);
    expect(auto.format).toBe('webp');
  });

  it('strips metadata but converts a colour profile to sRGB and keeps it', async () => {
    const tagged = await sharp(await quadrants())
      .withIccProfile('p3')
      .withExif({ IFD0: { Copyright: 'someone' } })
      .jpeg()
      .toBuffer();
    expect((await sharp(tagged).metadata()).exif).toBeDefined();
    const result = await run({ w: 100 }, 'jpeg', tagged);
    const meta = await sharp(result.data).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.hasProfile).toBe(true);
    expect(near((await pixels(result.data)).at(10, 10), red, 40)).toBe(true);
  });

  it('applies EXIF orientation before everything', async () => {
    // Stored portrait with orientation 6: displayed landscape, top-left of the display is the stored bottom-left.
    const stored = await sharp(await quadrants())
      .rotate(270)
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const result = await run({ w: 100 }, 'png', stored);
    expect([result.width, result.height]).toEqual([100, 50]);
    const output = await pixels(result.data);
    expect(near(output.at(10, 10), red)).toBe(true);
    expect(near(output.at(90, 40), yellow)).toBe(true);
  });
});

describe('render: animation', () => {
  it('keeps frames for WebP and GIF output, resizing each', async () => {
    const anim = await animatedWebp(4);
    for (const format of ['webp', 'gif'] as const) {
      const result = await run({ w: 30 }, format, anim);
      expect(result.frames).toBe(4);
      const meta = await sharp(result.data).metadata();
      expect(meta.pages).toBe(4);
      expect([meta.width, meta.pageHeight ?? meta.height]).toEqual([30, 20]);
      expect([result.width, result.height]).toEqual([30, 20]);
    }
  });

  it('uses the first frame for formats that cannot animate', async () => {
    const result = await run({ w: 30 }, 'png', await animatedWebp(4));
    expect(result.frames).toBe(1);
    expect([result.width, result.height]).toEqual([30, 20]);
  });

  it('turns, pads and watermarks every frame', async () => {
    const anim = await animatedWebp(3);
    const result = await run(
      { c: 'pad', w: 40, h: 40, b: 'ff00ff', a: 90, wm: { name: 'logo', gravity: 'north_west', opacity: 100, scale: 25 } },
      'webp',
      anim,
      { loadWatermark: async () => solid(10, 10, '#0000ff') },
    );
    expect(result.frames).toBe(3);
    expect([result.width, result.height]).toEqual([40, 40]);
    const frames = await sharp(result.data, { animated: true }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(frames.info.height).toBe(120);
    for (let frame = 0; frame < 3; frame += 1) {
      const offset = ((frame * 40 + 2) * 40 + 3) * 4;
      expect(near([...frames.data.subarray(offset, offset + 3)], blue, 50), `frame ${frame} watermark`).toBe(true);
    }
  });

  it('refuses more frames than the limit, and too many pixels over all frames', async () => {
    const anim = await animatedWebp(6);
    expect(await rejection(render({ source: anim, spec: {}, format: 'webp', limits: { ...limits, maxFrames: 5 } }))).toMatchObject({
      code: 'image_too_large',
      status: 422,
    });
    expect(
      await rejection(render({ source: anim, spec: {}, format: 'webp', limits: { ...limits, maxInputPixels: 60 * 40 * 5 } })),
    ).toMatchObject({ code: 'image_too_large' });
    // The first frame alone fits, so a still output is fine.
    expect(
      (await render({ source: anim, spec: {}, format: 'png', limits: { ...limits, maxFrames: 5, maxInputPixels: 60 * 40 } })).frames,
    ).toBe(1);
  });
});

describe('render: SVG', () => {
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="20" height="20" fill="#f00"/><rect x="20" width="20" height="20" fill="#00f"/></svg>',
  );

  it('rasterises at the requested size with crisp edges (not upscaled from 72 dpi)', async () => {
    const result = await run({ w: 800 }, 'png', svg);
    expect([result.width, result.height]).toEqual([800, 400]);
    const output = await pixels(result.data);
    expect(near(output.at(397, 200), red, 2)).toBe(true);
    expect(near(output.at(403, 200), blue, 2)).toBe(true);
  });

  it('renders at its own size without a box', async () => {
    const result = await run({}, 'webp', svg);
    expect([result.width, result.height]).toEqual([40, 20]);
  });
});

describe('render: errors from the source are PixelfrontErrors', () => {
  it('undecodable bytes', async () => {
    const truncated = (
      await sharp(await quadrants())
        .jpeg()
        .toBuffer()
    ).subarray(0, 400);
    expect((await rejection(run({ w: 10 }, 'jpeg', truncated))).status).toBe(422);
    expect(await rejection(run({ w: 10 }, 'jpeg', Buffer.from('not an image at all')))).toMatchObject({
      code: 'unsupported_media_type',
      status: 415,
    });
  });

  it('over the pixel limit, from the header', async () => {
    expect(await rejection(render({ source, spec: { w: 10 }, format: 'jpeg', limits: { ...limits, maxInputPixels: 1000 } }))).toMatchObject(
      { code: 'image_too_large' },
    );
  });

  it('decides from the header it is given instead of reading one (kept per image by the caller)', async () => {
    const header = await readSourceHeader(source);
    expect(header).toMatchObject({ format: 'png', width: 400, height: 200 });
    expect((await run({ w: 100 }, 'png', source, { header })).width).toBe(100);
    // A header claiming more pixels than the limit refuses the render before any decode.
    const claimed = { ...header, width: 40_000, height: 20_000, autoOrient: { width: 40_000, height: 20_000 } };
    expect(await rejection(run({ w: 100 }, 'png', source, { header: claimed }))).toMatchObject({ code: 'image_too_large' });
  });

  it('past the deadline', async () => {
    expect(await rejection(render({ source, spec: { w: 10 }, format: 'avif', limits: { ...limits, timeoutMs: 0 } }))).toMatchObject({
      code: 'unavailable',
      status: 503,
    });
  });
});
