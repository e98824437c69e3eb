import { describe, expect, it } from 'vitest';
import {
  emptyBuilder,
  imgSnippet,
  opsOf,
  pictureSnippet,
  sizesOf,
  srcsetCandidates,
  srcsetText,
  withFormat,
} from '../console/src/builder.ts';
import { canonical, grammarContext } from '../console/src/grammar.ts';
import { filterQuery, filterTags } from '../console/src/gallery-query.ts';

/** The console's URL builder and gallery filter, as plain functions (the browser test drives them in a page). */

const context = grammarContext([{ name: 'thumb', ops: 'c_fill,w_200,h_200' }]);
const spec = (ops: string) => {
  const parsed = canonical(ops, context);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.spec;
};

describe('the URL builder', () => {
  it('writes the form as ops that core canonicalises', () => {
    expect(opsOf(emptyBuilder)).toBe('f_auto');
    const state = {
      ...emptyBuilder,
      c: 'fill' as const,
      w: '400',
      h: '300',
      fp: [0.25, 0.333] as [number, number],
      grayscale: true,
      q: '80',
    };
    expect(opsOf(state)).toBe('c_fill,w_400,h_300,fp_0.25:0.33,e_grayscale,q_80,f_auto');
    expect(canonical(opsOf(state), context)).toMatchObject({
      ok: true,
      canonical: 'c_fill,w_400,h_300,fp_0.25:0.33,e_grayscale,q_80,f_auto',
    });
    // A focal point wins over a gravity chosen before it; x and y only with c_crop.
    expect(opsOf({ ...state, g: 'north' })).not.toContain('g_north');
    expect(opsOf({ ...emptyBuilder, x: '5', y: '6', w: '10', h: '10' })).toBe('w_10,h_10,f_auto');
    expect(opsOf({ ...emptyBuilder, c: 'crop', x: '5', y: '6', w: '10', h: '10', f: '' })).toBe('c_crop,w_10,h_10,x_5,y_6');
    expect(opsOf({ ...emptyBuilder, wm: 'logo', b: '#FF0000', progressive: true, f: 'jpeg' })).toBe(
      'b_FF0000,wm_logo:south_east:100:20,f_jpeg,fl_progressive',
    );
  });

  it('names the bad item as the service would, and expands presets', () => {
    expect(canonical('w_0', context)).toMatchObject({ ok: false, error: expect.stringMatching(/^w_0/) });
    expect(canonical('t_thumb,f_webp', context)).toMatchObject({ ok: true, canonical: 'c_fill,w_200,h_200,f_webp' });
    expect(canonical('t_nope', context)).toMatchObject({ ok: false });
    expect(canonical('', context)).toEqual({ ok: true, spec: {}, canonical: '' });
  });

  it('offers srcset widths up to twice the chosen one, heights in ratio', () => {
    const candidates = srcsetCandidates('abcdefgh12', spec('c_fill,w_300,h_200'), 2000);
    expect(candidates.map((c) => c.descriptor)).toEqual(['160w', '240w', '300w', '600w']);
    expect(candidates[0]?.path).toBe('/img/abcdefgh12/c_fill,w_160,h_107');
    expect(candidates[3]?.path).toBe('/img/abcdefgh12/c_fill,w_600,h_400');
    expect(srcsetCandidates('abcdefgh12', spec('h_100'), 2000).map((c) => `${c.path} ${c.descriptor}`)).toEqual([
      '/img/abcdefgh12/h_100 1x',
      '/img/abcdefgh12/h_200 2x',
    ]);
    expect(srcsetCandidates('abcdefgh12', spec('c_crop,w_10,h_10,x_1,y_1'), 2000)).toHaveLength(1);
    // Without a width, the source's width is the largest 1× candidate.
    expect(srcsetCandidates('abcdefgh12', spec('f_webp'), 500).at(-1)?.path).toBe('/img/abcdefgh12/w_1000,f_webp');
    expect(sizesOf(spec('w_300'))).toBe('(max-width: 300px) 100vw, 300px');
    expect(sizesOf(spec('f_webp'))).toBe('100vw');
  });

  it('writes snippets with escaped attributes and a source per modern format', () => {
    const base = spec('w_300,f_auto');
    const img = { src: '/img/x/w_300', srcset: 'a 1w', sizes: '100vw', alt: 'a "quoted" <alt> & more', size: { width: 300, height: 200 } };
    const html = imgSnippet(img);
    expect(html).toContain('alt="a &quot;quoted&quot; &lt;alt> &amp; more"');
    expect(html).toContain('width="300" height="200"');
    const avif = srcsetText(srcsetCandidates('abcdefgh12', withFormat(base, 'avif'), 1000), (path) => `${path}?sig=s`);
    expect(avif).toContain('/img/abcdefgh12/w_300,f_avif?sig=s 300w');
    expect(pictureSnippet([{ type: 'image/avif', srcset: avif }], img)).toMatch(
      /^<picture>\n {2}<source type="image\/avif"[\s\S]*\n {2}<img [\s\S]*<\/picture>$/,
    );
    expect(withFormat(base, undefined)).toEqual({ w: 300 });
  });
});

describe('the gallery filter', () => {
  it('becomes GET /v1/images parameters, tags split and lower-cased, empty fields left out', () => {
    expect(filterTags(' Sea, trip:2026  dawn,,')).toEqual(['sea', 'trip:2026', 'dawn']);
    expect(filterQuery({ q: '  harbour ', tag: 'Sea', format: 'png', from: '2026-01-01', to: '', sort: '-bytes' })).toEqual({
      q: 'harbour',
      tag: ['sea'],
      format: 'png',
      from: '2026-01-01',
      sort: '-bytes',
    });
    expect(filterQuery({ q: '', tag: '', format: '', from: '', to: '', sort: '' })).toEqual({});
  });
});
