import { useEffect, useState } from 'preact/hooks';
import { answer, client, messageOf } from '../api.ts';
import type { ImageObject, ImagePatch } from '../types.ts';

interface Draft {
  title: string;
  alt: string;
  tags: string;
  filename: string;
}

const draftOf = (image: ImageObject): Draft => ({
  title: image.title ?? '',
  alt: image.alt ?? '',
  tags: image.tags.join(', '),
  filename: image.filename ?? '',
});

/**
 * The image's own metadata as a form. Saving sends a JSON merge patch (RFC 7396) of the fields
 * that changed only, an emptied field as `null` (which removes it); the service validates and
 * answers the image as it is now.
 */
export function MetadataForm({ image, onSaved }: { image: ImageObject; onSaved: (image: ImageObject) => void }) {
  const [draft, setDraft] = useState(() => draftOf(image));
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ error?: string; saved?: boolean }>({});

  useEffect(() => setDraft(draftOf(image)), [image]);

  const patch = (): ImagePatch => {
    const saved = draftOf(image);
    const changes: ImagePatch = {};
    for (const field of ['title', 'alt', 'filename'] as const) {
      const value = draft[field].trim();
      if (value !== saved[field]) changes[field] = value === '' ? null : value;
    }
    const tags = draft.tags
      .split(',')
      .map((tag) => tag.trim())
      .filter(Boolean);
    if (tags.join(', ') !== saved.tags) changes['tags'] = tags;
    return changes;
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const changes = patch();
    if (Object.keys(changes).length === 0) return setStatus({ saved: true });
    setBusy(true);
    setStatus({});
    try {
      const updated = await answer(
        client.PATCH('/v1/images/{id}', {
          params: { path: { id: image.id } },
          body: changes,
          headers: { 'content-type': 'application/merge-patch+json' },
        }),
      );
      onSaved(updated);
      setStatus({ saved: true });
    } catch (failure) {
      setStatus({ error: messageOf(failure) });
    } finally {
      setBusy(false);
    }
  };

  const field = (name: keyof Draft, label: string, hint?: string, multiline = false) => {
    const hintId = hint ? `${name}-hint` : undefined;
    const onInput = (value: string) => setDraft({ ...draft, [name]: value });
    return (
      <div class="stack tight">
        <label>
          {label}
          {multiline ? (
            <textarea name={name} rows={3} value={draft[name]} aria-describedby={hintId} onInput={(e) => onInput(e.currentTarget.value)} />
          ) : (
            <input name={name} value={draft[name]} aria-describedby={hintId} onInput={(e) => onInput(e.currentTarget.value)} />
          )}
        </label>
        {hint && (
          <small id={hintId} class="muted">
            {hint}
          </small>
        )}
      </div>
    );
  };

  return (
    <form class="stack" onSubmit={submit} aria-labelledby="metadata-title">
      <h2 id="metadata-title">Title, alt text and tags</h2>
      {field('title', 'Title')}
      {field('alt', 'Alt text', 'what the image shows, for people who cannot see it', true)}
      {field('tags', 'Tags', 'comma-separated: letters, digits, -, _ and :')}
      {field('filename', 'File name')}
      <div class="row">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
        <span aria-live="polite">
          {status.saved && <span class="notice">Saved.</span>}
          {status.error && (
            <span class="error" role="alert">
              {status.error}
            </span>
          )}
        </span>
      </div>
    </form>
  );
}
