import '../views.css';
import { useEffect, useState } from 'preact/hooks';
import { answer, client, messageOf } from '../api.ts';
import { formatBytes, formatDate } from '../format.ts';
import type { Preset, WatermarkEntry } from '../types.ts';

/** The named presets (read-only: they come from the service's PRESETS) and the tenant's watermarks. */
export function PresetsAndWatermarks() {
  return (
    <section aria-labelledby="presets-title">
      <h1 id="presets-title">Presets and watermarks</h1>
      <Presets />
      <Watermarks />
    </section>
  );
}

function Presets() {
  const [presets, setPresets] = useState<Preset[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    answer(client.GET('/v1/presets')).then(
      (list) => setPresets(list.items),
      (failure: unknown) => setError(messageOf(failure)),
    );
  }, []);
  return (
    <div class="stack">
      <h2>Presets</h2>
      <p class="muted">
        <code>t_NAME</code> in a URL expands to these canonical ops; ops written beside it override the preset's. They are set in the
        service's configuration (PRESETS).
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {presets && presets.length === 0 && <p class="empty">No presets are defined.</p>}
      {presets && presets.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Presets and their canonical ops</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Canonical ops</th>
                <th scope="col">Use</th>
              </tr>
            </thead>
            <tbody>
              {presets.map((preset) => (
                <tr key={preset.name}>
                  <th scope="row">
                    <code>t_{preset.name}</code>
                  </th>
                  <td>
                    <code>{preset.ops}</code>
                  </td>
                  <td>
                    <a href={`/console/build?preset=${encodeURIComponent(preset.name)}`}>In the URL builder</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

const WATERMARK_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function Watermarks() {
  const [items, setItems] = useState<WatermarkEntry[]>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [name, setName] = useState('');
  const [file, setFile] = useState<File>();
  const [busy, setBusy] = useState(false);

  const load = async () => {
    try {
      const all: WatermarkEntry[] = [];
      let cursor: string | undefined;
      do {
        const page = await answer(client.GET('/v1/watermarks', { params: { query: { limit: '1000', ...(cursor ? { cursor } : {}) } } }));
        all.push(...page.items);
        cursor = page.next ?? undefined;
      } while (cursor);
      setItems(all);
    } catch (failure) {
      setError(messageOf(failure));
    }
  };
  useEffect(() => void load(), []);

  const upload = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setNotice(undefined);
    if (!WATERMARK_NAME.test(name)) return setError('A name is 1–64 letters, digits, - or _.');
    if (!file) return setError('Choose an image file (PNG with alpha works best).');
    setBusy(true);
    try {
      // The body is the file's bytes as they are (openapi-fetch would otherwise serialise it as JSON).
      const call = client.PUT('/v1/watermarks/{name}', {
        params: { path: { name } },
        body: file,
        bodySerializer: () => file,
        headers: { 'content-type': file.type || 'application/octet-stream' },
      });
      // answer() throws the problem of a refusal; the status says whether the name is new (201) or these bytes were there (200).
      const [, { response }] = await Promise.all([answer(call), call]);
      setNotice(response.status === 201 ? `Watermark ${name} uploaded: use wm_${name}.` : `Watermark ${name} already had these bytes.`);
      setName('');
      setFile(undefined);
      (event.target as HTMLFormElement).reset();
      await load();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (entry: WatermarkEntry) => {
    if (!window.confirm(`Delete the watermark ${entry.name}? Variants already rendered with it stay until they expire.`)) return;
    try {
      await answer(client.DELETE('/v1/watermarks/{name}', { params: { path: { name: entry.name } } }));
      setNotice(`Deleted ${entry.name}.`);
      await load();
    } catch (failure) {
      setError(messageOf(failure));
    }
  };

  return (
    <div class="stack">
      <h2>Watermarks</h2>
      <p class="muted">
        <code>wm_NAME[:gravity[:opacity[:scale]]]</code> overlays one of these. A name is kept for its bytes: the same file again is
        accepted, another file under the same name is refused.
      </p>
      <form class="row card" onSubmit={upload} aria-label="Upload a watermark">
        <label>
          Name
          <input name="name" required maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Image
          <input
            name="file"
            type="file"
            accept="image/png,image/webp,image/svg+xml,image/jpeg,image/avif,image/gif"
            required
            onChange={(e) => setFile(e.currentTarget.files?.[0])}
          />
        </label>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Uploading…' : 'Upload watermark'}
        </button>
      </form>
      <div aria-live="polite">
        {notice && <p class="notice">{notice}</p>}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </div>
      {items && items.length === 0 && <p class="empty">No watermarks yet.</p>}
      {items && items.length > 0 && (
        <ul class="watermarks">
          {items.map((entry) => (
            <li key={entry.name} class="card">
              <img src={`/v1/watermarks/${encodeURIComponent(entry.name)}`} alt={`watermark ${entry.name}`} loading="lazy" />
              <div>
                <code>wm_{entry.name}</code>
                <div class="muted">
                  {entry.contentType}, {formatBytes(entry.bytes)}, {formatDate(entry.createdAt)}
                </div>
              </div>
              <button type="button" class="danger" onClick={() => void remove(entry)} aria-label={`Delete watermark ${entry.name}`}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
