import { useMemo, useState } from 'preact/hooks';
import { imgSnippet, pictureSnippet, sizesOf, srcsetCandidates, srcsetText, withFormat } from '../builder.ts';
import { canonical, canonicalOps, grammarContext } from '../grammar.ts';
import { formatBytes } from '../format.ts';
import { useSignedPaths } from '../signed.ts';
import type { ImageObject } from '../types.ts';
import { imagePath } from '../urls.ts';
import { CopyField } from './copy-field.tsx';

/** Canonical ops have their presets expanded: they parse without any. */
const bare = grammarContext([]);

interface Rendered {
  width: number;
  height: number;
  bytes: number | undefined;
}

/**
 * The preview of the canonical variant and what to copy: the canonical URL, an `<img srcset
 * sizes>`, a `<picture>` with JPEG XL, AVIF and WebP sources, and the signed URL when the service signs.
 */
export function BuilderOutput({ image, canonicalOps: ops }: { image: ImageObject; canonicalOps: string }) {
  const spec = useMemo(() => {
    const parsed = canonical(ops, bare);
    return parsed.ok ? parsed.spec : {};
  }, [ops]);
  const path = imagePath(image.id, ops);
  const candidates = useMemo(() => srcsetCandidates(image.id, spec, image.width), [image.id, spec]);
  // Browsers take the first source they decode: JPEG XL and AVIF are the smallest, WebP nearly everywhere.
  const pictureFormats = spec.f === undefined || spec.f === 'auto' ? (['jxl', 'avif', 'webp'] as const) : ([] as const);
  const fallback = withFormat(spec, spec.f === 'auto' ? undefined : spec.f);
  const sourceSets = pictureFormats.map((format) => ({
    format,
    candidates: srcsetCandidates(image.id, withFormat(spec, format), image.width),
  }));
  const fallbackSet = srcsetCandidates(image.id, fallback, image.width);
  const fallbackPath = imagePath(image.id, canonicalOps(fallback));

  const paths = [
    path,
    fallbackPath,
    ...candidates.map((c) => c.path),
    ...fallbackSet.map((c) => c.path),
    ...sourceSets.flatMap((s) => s.candidates.map((c) => c.path)),
  ];
  const signed = useSignedPaths(paths);
  // Under SIGNED_URLS=required only signed URLs work, so the snippets carry them; otherwise plain ones.
  const urlOf = (p: string) => (signed.required ? (signed.urlFor(p) ?? p) : p);

  const [rendered, setRendered] = useState<Rendered>();
  const [failed, setFailed] = useState(false);
  const previewSrc = signed.loadFor(path);
  const absolute = (p: string) => new URL(p, window.location.origin).href;

  const onLoad = (img: HTMLImageElement) => {
    setFailed(false);
    const timing = performance.getEntriesByName(img.currentSrc || img.src).at(-1) as PerformanceResourceTiming | undefined;
    setRendered({ width: img.naturalWidth, height: img.naturalHeight, bytes: timing?.encodedBodySize || undefined });
  };

  const alt = image.alt || image.title || '';
  const size = rendered && spec.c !== 'crop' ? { width: rendered.width, height: rendered.height } : undefined;
  const img = { src: urlOf(path), srcset: srcsetText(candidates, urlOf), sizes: sizesOf(spec), alt, size };
  const picture = pictureSnippet(
    sourceSets.map((set) => ({ type: `image/${set.format}`, srcset: srcsetText(set.candidates, urlOf) })),
    { ...img, src: urlOf(fallbackPath), srcset: srcsetText(fallbackSet, urlOf) },
  );

  return (
    <div class="stack">
      <h2>Preview</h2>
      <p class="preview-size" aria-live="polite">
        {failed
          ? 'The service refused this transform (see the URL for its answer).'
          : rendered
            ? `${rendered.width} × ${rendered.height} px${rendered.bytes ? `, ${formatBytes(rendered.bytes)}` : ''}`
            : 'Rendering…'}
      </p>
      {previewSrc && (
        <img
          class="preview"
          key={previewSrc}
          src={previewSrc}
          alt={`Preview of ${ops || 'the original'}`}
          onLoad={(event) => onLoad(event.currentTarget)}
          onError={() => setFailed(true)}
        />
      )}
      <CopyField label="Canonical URL" value={absolute(path)} rows={2} />
      {signed.signed && <CopyField label="Signed URL" value={absolute(signed.urlFor(path) ?? path)} rows={2} />}
      {signed.required && (
        <p class="muted">This service requires signed URLs (SIGNED_URLS=required): the snippets carry signatures made by the service.</p>
      )}
      <CopyField label="img snippet" value={imgSnippet(img)} rows={5} />
      <CopyField label="picture snippet" value={picture} rows={8} />
    </div>
  );
}
