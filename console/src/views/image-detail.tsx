import '../views.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { answer, client, messageOf } from '../api.ts';
import { ExifSummary } from '../components/exif-summary.tsx';
import { NearDuplicates } from '../components/near-duplicates.tsx';
import { formatBytes, formatDate } from '../format.ts';
import { placeholderStyle } from '../placeholder.ts';
import { useSignedPaths } from '../signed.ts';
import type { ImageObject } from '../types.ts';
import { imagePath } from '../urls.ts';
import { MetadataForm } from '../components/metadata-form.tsx';

const PREVIEW_WIDTHS = [320, 480, 640, 960, 1280];

/** One image: the picture, what the service knows about it, its own metadata to edit, download and delete. */
export function ImageDetail() {
  const { params } = useRoute();
  const id = params['id'] ?? '';
  const [image, setImage] = useState<ImageObject>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    setImage(undefined);
    setError(undefined);
    answer(client.GET('/v1/images/{id}', { params: { path: { id } } })).then(setImage, (failure: unknown) => setError(messageOf(failure)));
  }, [id]);

  if (error)
    return (
      <section>
        <h1>Image</h1>
        <p class="error" role="alert">
          {error}
        </p>
        <p>
          <a href="/console/">Back to the gallery</a>
        </p>
      </section>
    );
  if (!image)
    return (
      <section aria-busy="true">
        <h1>Image</h1>
        <p>Loading…</p>
      </section>
    );
  return <Detail image={image} onChange={setImage} />;
}

function Detail({ image, onChange }: { image: ImageObject; onChange: (image: ImageObject) => void }) {
  const name = image.title || image.filename || image.id;
  const sized = PREVIEW_WIDTHS.filter((width) => width <= image.width * 2);
  const widths = sized.length > 0 ? sized : [Math.min(image.width, 320)];
  const paths = [...widths.map((w) => imagePath(image.id, `w_${w},f_auto`)), imagePath(image.id)];
  const signed = useSignedPaths(paths);
  const src = signed.loadFor(paths[0] ?? '');
  const original = signed.loadFor(imagePath(image.id));
  const set = widths.map((w) => `${signed.loadFor(imagePath(image.id, `w_${w},f_auto`)) ?? ''} ${w}w`).join(', ');

  return (
    <section aria-labelledby="detail-title">
      <div class="title-row">
        <h1 id="detail-title">{name}</h1>
        <div class="row">
          <a class="button" href={`/console/build/${image.id}`}>
            Build a URL
          </a>
          <a class="button" href={`/console/batches?images=${image.id}`}>
            Batch…
          </a>
          {original && (
            <a class="button" href={original} download={image.filename ?? `${image.id}.${image.format}`}>
              Download original
            </a>
          )}
        </div>
      </div>
      <div class="split">
        <figure class="detail-figure" style={placeholderStyle(image)}>
          {src && (
            <img
              class="preview"
              src={src}
              srcset={set}
              sizes="(max-width: 760px) 100vw, 60vw"
              width={image.width}
              height={image.height}
              alt={image.alt || image.title || image.filename || 'image without a description'}
            />
          )}
          {image.alt && <figcaption>{image.alt}</figcaption>}
        </figure>
        <div class="stack">
          <h2>About</h2>
          <dl class="meta">
            <dt>Size</dt>
            <dd>
              {image.width} × {image.height} px{image.frames > 1 ? `, ${image.frames} frames` : ''}
              {image.hasAlpha ? ', with alpha' : ''}
            </dd>
            <dt>Format</dt>
            <dd>{image.format}</dd>
            <dt>Bytes</dt>
            <dd>
              {formatBytes(image.bytes)} ({image.bytes.toLocaleString()} B)
            </dd>
            <dt>File name</dt>
            <dd>{image.filename ?? '—'}</dd>
            <dt>Uploaded</dt>
            <dd>{formatDate(image.createdAt)}</dd>
            <dt>Id</dt>
            <dd>
              <code>{image.id}</code>
            </dd>
            <dt>SHA-256</dt>
            <dd>
              <code>{image.sha256}</code>
            </dd>
            <dt>Perceptual hash</dt>
            <dd>{image.perceptualHash ? <code>{image.perceptualHash}</code> : '—'}</dd>
            <dt>Placeholder</dt>
            <dd>
              <span class="swatch" style={placeholderStyle(image)} aria-hidden="true" /> {image.placeholder.dominantColor ?? 'no colour'}
              {image.placeholder.blurhash && (
                <>
                  {', BlurHash '}
                  <code>{image.placeholder.blurhash}</code>
                </>
              )}
            </dd>
          </dl>
          <ExifSummary image={image} />
          <MetadataForm image={image} onSaved={onChange} />
          <DeleteImage image={image} />
        </div>
      </div>
      <NearDuplicates image={image} />
    </section>
  );
}

/** Delete behind a second, explicit step; focus moves to the confirmation so a keyboard user lands on it. */
function DeleteImage({ image }: { image: ImageObject }) {
  const { route } = useLocation();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const confirm = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (asking) confirm.current?.focus();
  }, [asking]);

  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await answer(client.DELETE('/v1/images/{id}', { params: { path: { id: image.id } } }));
      route('/console/');
    } catch (failure) {
      setError(messageOf(failure));
      setBusy(false);
    }
  };

  return (
    <div class="stack danger-zone">
      <h2>Delete</h2>
      {!asking ? (
        <p>
          <button type="button" class="danger" onClick={() => setAsking(true)}>
            Delete this image…
          </button>
        </p>
      ) : (
        <div role="alertdialog" aria-labelledby="delete-question" class="card">
          <p id="delete-question">
            Delete <strong>{image.title || image.filename || image.id}</strong>, its original and every variant? This cannot be undone.
          </p>
          <div class="row">
            <button type="button" class="danger" ref={confirm} disabled={busy} onClick={() => void remove()}>
              {busy ? 'Deleting…' : 'Delete for good'}
            </button>
            <button type="button" disabled={busy} onClick={() => setAsking(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
