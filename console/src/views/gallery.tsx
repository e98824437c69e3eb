import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { answer, client, messageOf } from '../api.ts';
import { emptyFilter, filterQuery, FORMATS, type GalleryFilter } from '../gallery-query.ts';
import { placeholderStyle } from '../placeholder.ts';
import type { ImageObject } from '../types.ts';
import { useSignedPaths } from '../signed.ts';
import { imagePath } from '../urls.ts';

const PAGE_SIZE = 48;
const order: Record<GalleryFilter['sort'], string> = { '': 'newest first', createdAt: 'oldest first', '-bytes': 'largest first' };
const TILE_WIDTHS = [160, 240, 320, 480];
const tilePath = (id: string, width: number) => imagePath(id, `c_fill,w_${width},h_${width},f_auto`);

/** One page of the tenant's images that pass the filter. */
function listPage(filter: GalleryFilter, cursor: string | null) {
  return answer(
    client.GET('/v1/images', { params: { query: { limit: String(PAGE_SIZE), ...filterQuery(filter), ...(cursor ? { cursor } : {}) } } }),
  );
}

/** The tenant's images, newest first, loaded page by page as the end of the grid scrolls into view. */
export function Gallery() {
  const { route } = useLocation();
  const [filter, setFilter] = useState(emptyFilter);
  const [draft, setDraft] = useState(emptyFilter);
  const [images, setImages] = useState<ImageObject[]>([]);
  const [next, setNext] = useState<string | null | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState<string>();
  const sentinel = useRef<HTMLDivElement>(null);
  const generation = useRef(0);
  // Under SIGNED_URLS=required the tiles' URLs are signed by the service (POST /v1/sign).
  const signed = useSignedPaths(images.flatMap((image) => TILE_WIDTHS.map((width) => tilePath(image.id, width))));
  const tileSrcset = (id: string) => {
    const urls = TILE_WIDTHS.map((width) => signed.loadFor(tilePath(id, width)));
    return urls.every(Boolean) ? urls.map((url, index) => `${url ?? ''} ${TILE_WIDTHS[index] ?? 0}w`).join(', ') : undefined;
  };

  const loadMore = async (reset: boolean) => {
    if (loading && !reset) return;
    const mine = reset ? ++generation.current : generation.current;
    setLoading(true);
    setError(undefined);
    try {
      const page = await listPage(filter, reset ? null : (next ?? null));
      if (mine !== generation.current) return;
      setImages((known) => [...(reset ? [] : known), ...page.items]);
      setNext(page.next);
    } catch (failure) {
      if (mine === generation.current) setError(messageOf(failure));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  };

  useEffect(() => {
    setImages([]);
    setNext(undefined);
    setSelected(new Set());
    void loadMore(true);
  }, [filter]);

  // Endless scroll: the sentinel after the grid asks for the next page when it comes near.
  useEffect(() => {
    const target = sentinel.current;
    if (!target || !next) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) void loadMore(false);
      },
      { rootMargin: '600px' },
    );
    observer.observe(target);
    return () => observer.disconnect();
  }, [next, loading]);

  const toggle = (id: string) =>
    setSelected((current) => {
      const copy = new Set(current);
      if (copy.has(id)) copy.delete(id);
      else copy.add(id);
      return copy;
    });

  const deleteSelected = async () => {
    const ids = [...selected];
    if (!window.confirm(`Delete ${ids.length} image${ids.length === 1 ? '' : 's'}, with every variant? This cannot be undone.`)) return;
    const failures: string[] = [];
    const deleted = new Set<string>();
    for (const id of ids) {
      await answer(client.DELETE('/v1/images/{id}', { params: { path: { id } } })).then(
        () => deleted.add(id),
        (failure: unknown) => failures.push(`${id}: ${messageOf(failure)}`),
      );
    }
    setImages((known) => known.filter((image) => !deleted.has(image.id)));
    setSelected(new Set());
    setNotice(failures.length ? `Not deleted: ${failures.join('; ')}` : `Deleted ${ids.length} image${ids.length === 1 ? '' : 's'}.`);
  };

  const batchSelected = () => route(`/console/batches?images=${[...selected].join(',')}`);

  return (
    <section aria-labelledby="gallery-title">
      <div class="title-row">
        <h1 id="gallery-title">Gallery</h1>
        <a class="button primary" href="/console/upload">
          Upload images
        </a>
      </div>
      <form
        class="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setFilter({ ...draft });
        }}
      >
        <label>
          Name or text
          <input type="search" name="q" value={draft.q} onInput={(e) => setDraft({ ...draft, q: e.currentTarget.value })} />
        </label>
        <label>
          Tags
          <input name="tag" value={draft.tag} onInput={(e) => setDraft({ ...draft, tag: e.currentTarget.value })} />
        </label>
        <label>
          Format
          <select name="format" value={draft.format} onChange={(e) => setDraft({ ...draft, format: e.currentTarget.value })}>
            <option value="">any</option>
            {FORMATS.map((format) => (
              <option key={format} value={format}>
                {format}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" name="from" value={draft.from} onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })} />
        </label>
        <label>
          To
          <input type="date" name="to" value={draft.to} onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })} />
        </label>
        <label>
          Order
          <select
            name="sort"
            value={draft.sort}
            onChange={(e) => setDraft({ ...draft, sort: e.currentTarget.value as GalleryFilter['sort'] })}
          >
            {Object.entries(order).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
        <button
          type="button"
          onClick={() => {
            setDraft(emptyFilter);
            setFilter(emptyFilter);
          }}
        >
          Clear
        </button>
      </form>

      <div class="selection" aria-live="polite">
        {selected.size > 0 && (
          <>
            <span>{selected.size} selected</span>
            <button type="button" onClick={batchSelected}>
              Batch…
            </button>
            <button type="button" class="danger" onClick={deleteSelected}>
              Delete
            </button>
            <button type="button" onClick={() => setSelected(new Set())}>
              Clear selection
            </button>
          </>
        )}
        {notice && <span class="notice">{notice}</span>}
      </div>

      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!loading && images.length === 0 && !error && (
        <p class="empty">
          No images {filter === emptyFilter ? 'yet' : 'match this filter'}. <a href="/console/upload">Upload some</a>.
        </p>
      )}
      <ul class="grid" aria-label={`Images, ${order[filter.sort]}`}>
        {images.map((image) => (
          <li key={image.id} class={selected.has(image.id) ? 'tile selected' : 'tile'}>
            <a href={`/console/images/${image.id}`} class="thumb" style={placeholderStyle(image)}>
              <img
                src={signed.loadFor(tilePath(image.id, 240))}
                srcset={tileSrcset(image.id)}
                sizes="(max-width: 520px) 45vw, 200px"
                loading="lazy"
                decoding="async"
                width={240}
                height={240}
                alt={image.alt || image.title || image.filename || image.id}
                onLoad={(event) => event.currentTarget.classList.add('loaded')}
              />
            </a>
            <label class="pick">
              <input type="checkbox" checked={selected.has(image.id)} onChange={() => toggle(image.id)} />
              <span class="name">{image.title || image.filename || image.id}</span>
            </label>
          </li>
        ))}
      </ul>
      <div ref={sentinel} class="sentinel" aria-hidden="true" />
      {loading && <p aria-busy="true">Loading…</p>}
      {next && !loading && (
        <button type="button" onClick={() => void loadMore(false)}>
          Load more
        </button>
      )}
    </section>
  );
}
