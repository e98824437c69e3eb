import '../views.css';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { answer, client, messageOf } from '../api.ts';
import { BatchProgressView } from '../components/batch-progress.tsx';
import { formatDate } from '../format.ts';
import { canonical, grammarContext } from '../grammar.ts';
import type { BatchSummary, Preset } from '../types.ts';

/**
 * Batches: presets and transforms for the images chosen in the gallery (`?images=a,b`), or for
 * every image of the tenant; started with POST /v1/batches, followed live, the ZIP once done.
 */
export function Batches() {
  const { query, route } = useLocation();
  const chosen = useMemo(() => (query['images'] ?? '').split(',').filter(Boolean), [query['images']]);
  const watching = query['batch'];
  const [presets, setPresets] = useState<Preset[]>([]);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [transforms, setTransforms] = useState('');
  const [allImages, setAllImages] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [recent, setRecent] = useState<BatchSummary[]>();

  useEffect(() => {
    answer(client.GET('/v1/presets')).then(
      (list) => setPresets(list.items),
      (failure: unknown) => setError(messageOf(failure)),
    );
  }, []);
  useEffect(() => {
    answer(client.GET('/v1/batches', { params: { query: { limit: '10' } } })).then(
      (page) => setRecent(page.items),
      () => setRecent([]),
    );
  }, [watching]);

  const context = useMemo(() => grammarContext(presets), [presets]);
  const lines = transforms
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const checked = lines.map((line) => ({ line, result: canonical(line, context) }));
  const invalid = checked.filter((item) => !item.result.ok);

  const start = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    if (picked.size + lines.length === 0) return setError('Choose at least one preset or write a transform.');
    if (invalid.length > 0) return setError('Fix the transforms marked below first.');
    if (!allImages && chosen.length === 0) return setError('No images are chosen: select some in the gallery, or choose every image.');
    setBusy(true);
    try {
      const created = await answer(
        client.POST('/v1/batches', {
          body: { presets: [...picked], transforms: lines, ...(allImages ? {} : { images: chosen }) },
        }),
      );
      route(`/console/batches?batch=${created.id}`);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  const toggle = (name: string) =>
    setPicked((current) => {
      const copy = new Set(current);
      if (copy.has(name)) copy.delete(name);
      else copy.add(name);
      return copy;
    });

  return (
    <section aria-labelledby="batches-title">
      <h1 id="batches-title">Batches</h1>
      {watching && <BatchProgressView id={watching} />}
      <form class="stack card" onSubmit={start} aria-labelledby="new-batch">
        <h2 id="new-batch">New batch</h2>
        <fieldset>
          <legend>Images</legend>
          {chosen.length > 0 ? (
            <p>
              {chosen.length} image{chosen.length === 1 ? '' : 's'} chosen in the gallery.
            </p>
          ) : (
            <p class="muted">
              None chosen: select images in the <a href="/console/">gallery</a> and press Batch…
            </p>
          )}
          <label class="inline">
            <input type="checkbox" checked={allImages} onChange={(e) => setAllImages(e.currentTarget.checked)} />
            Every image of the tenant instead
          </label>
        </fieldset>
        <fieldset>
          <legend>Presets</legend>
          {presets.length === 0 && <p class="muted">No presets are defined; write transforms below.</p>}
          {presets.map((preset) => (
            <label class="inline" key={preset.name}>
              <input
                type="checkbox"
                name="preset"
                value={preset.name}
                checked={picked.has(preset.name)}
                onChange={() => toggle(preset.name)}
              />
              <code>{preset.name}</code> <span class="muted">{preset.ops}</span>
            </label>
          ))}
        </fieldset>
        <label>
          Transforms, one per line
          <textarea
            name="transforms"
            rows={3}
            placeholder="c_fill,w_400,h_300,f_webp"
            value={transforms}
            onInput={(e) => setTransforms(e.currentTarget.value)}
            aria-describedby="transforms-check"
          />
        </label>
        <ul id="transforms-check" class="checks" aria-live="polite">
          {checked.map(({ line, result }) => (
            <li key={line} class={result.ok ? '' : 'error'}>
              <code>{line}</code> → {result.ok ? <code>{result.canonical || '(the original)'}</code> : result.error}
            </li>
          ))}
        </ul>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="row">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Starting…' : 'Start batch'}
          </button>
        </div>
      </form>
      <h2>Recent batches</h2>
      {recent && recent.length === 0 && <p class="empty">No batches yet.</p>}
      {recent && recent.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Batch</th>
                <th scope="col">State</th>
                <th scope="col">Done</th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {recent.map((batch) => (
                <tr key={batch.id}>
                  <td>
                    <a href={`/console/batches?batch=${batch.id}`}>
                      <code>{batch.id}</code>
                    </a>
                  </td>
                  <td>{batch.state}</td>
                  <td>
                    {batch.done + batch.failed} / {batch.total}
                    {batch.failed > 0 ? ` (${batch.failed} failed)` : ''}
                  </td>
                  <td>{formatDate(batch.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
