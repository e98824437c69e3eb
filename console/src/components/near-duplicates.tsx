import { useEffect, useState } from 'preact/hooks';
import { answer, client, messageOf } from '../api.ts';
import { placeholderStyle } from '../placeholder.ts';
import { useSignedPaths } from '../signed.ts';
import type { ImageObject } from '../types.ts';
import { imagePath } from '../urls.ts';

type Similar = { distance: number; image: ImageObject };
const THUMB = 'c_fill,w_160,h_160,f_auto';

/** The tenant's images whose perceptual hash is near this one's (GET /v1/images/:id/similar), nearest first. */
export function NearDuplicates({ image }: { image: ImageObject }) {
  const [items, setItems] = useState<Similar[]>();
  const [maxDistance, setMaxDistance] = useState<number>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    setItems(undefined);
    if (image.perceptualHash === null) return;
    answer(client.GET('/v1/images/{id}/similar', { params: { path: { id: image.id } } })).then(
      (page) => {
        setItems(page.items.filter((item) => item.image.id !== image.id));
        setMaxDistance(page.maxDistance);
      },
      (failure: unknown) => setError(messageOf(failure)),
    );
  }, [image.id, image.perceptualHash]);

  const signed = useSignedPaths((items ?? []).map((item) => imagePath(item.image.id, THUMB)));

  return (
    <div class="stack">
      <h2>Near-duplicates</h2>
      {image.perceptualHash === null && <p class="muted">This image has no perceptual hash (SVG, or uploaded before hashes were kept).</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {items && items.length === 0 && <p class="muted">No other image within {maxDistance} bits of this one's perceptual hash.</p>}
      {items && items.length > 0 && (
        <ul class="grid similar" aria-label="Near-duplicates, nearest first">
          {items.map(({ distance, image: other }) => (
            <li key={other.id} class="tile">
              <a href={`/console/images/${other.id}`} class="thumb" style={placeholderStyle(other)}>
                <img
                  src={signed.loadFor(imagePath(other.id, THUMB))}
                  width={160}
                  height={160}
                  loading="lazy"
                  alt={other.alt || other.title || other.filename || other.id}
                  onLoad={(event) => event.currentTarget.classList.add('loaded')}
                />
              </a>
              <span class="name">
                {other.title || other.filename || other.id} · {distance} bit{distance === 1 ? '' : 's'} apart
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
