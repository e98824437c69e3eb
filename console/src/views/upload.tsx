import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from '../api.ts';
import type { Uploader } from '../upload/create-uploader.ts';

interface Uploaded {
  fileId: string;
  name: string;
  imageId: string;
  deduplicated: boolean;
}

interface Rejected {
  fileId: string;
  name: string;
  detail: string;
}

/**
 * Upload: Uppy's Dashboard, fetched when this view opens (its chunk is not part of the first
 * view's JavaScript). Below it, what was stored (with links to each image) and what the service
 * refused, with the problem's detail; refused files are not stored, so they never reach the gallery.
 */
export function Upload() {
  const host = useRef<HTMLDivElement>(null);
  const [ready, setReady] = useState(false);
  const [failure, setFailure] = useState<string>();
  const [uploaded, setUploaded] = useState<Uploaded[]>([]);
  const [rejected, setRejected] = useState<Rejected[]>([]);
  const [refuseNear, setRefuseNear] = useState(false);
  const uploader = useRef<Uploader>();

  useEffect(() => {
    let uppy: Uploader | undefined;
    let left = false;
    const forget = (fileId: string) => setRejected((known) => known.filter((entry) => entry.fileId !== fileId));
    import('../upload/create-uploader.ts').then(
      ({ createUploader }) => {
        if (left || !host.current) return;
        uppy = createUploader(host.current);
        uploader.current = uppy;
        uppy.on('upload-success', (file, response) => {
          const imageId = response.body?.imageId;
          if (!file || !imageId) return;
          forget(file.id);
          setUploaded((known) => [
            ...known.filter((entry) => entry.fileId !== file.id),
            { fileId: file.id, name: file.name ?? imageId, imageId, deduplicated: response.body?.deduplicated ?? false },
          ]);
        });
        uppy.on('upload-error', (file, error) => {
          if (!file) return;
          const entry = { fileId: file.id, name: file.name ?? file.id, detail: error.message };
          setRejected((known) => [...known.filter((other) => other.fileId !== file.id), entry]);
        });
        // A refused file taken off the Dashboard stays listed: it was not stored. A retry may store it.
        uppy.on('upload-retry', (file) => forget(file.id));
        setReady(true);
      },
      (error: unknown) => setFailure(`The uploader did not load: ${messageOf(error)}`),
    );
    return () => {
      left = true;
      uppy?.destroy();
    };
  }, []);

  return (
    <section aria-labelledby="upload-title" class="upload">
      <div class="title-row">
        <h1 id="upload-title">Upload</h1>
        <a class="button" href="/console/">
          Back to the gallery
        </a>
      </div>
      <p>
        Drop images here or browse for them. Give each a title, alt text and tags with its pencil button, where you can also crop, rotate or
        flip it before it is sent. Uploads can be paused, resumed and retried.
      </p>
      {failure && (
        <p class="error" role="alert">
          {failure}
        </p>
      )}
      {!ready && !failure && <p aria-busy="true">Loading the uploader…</p>}
      <label class="option">
        <input
          type="checkbox"
          checked={refuseNear}
          onChange={(event) => {
            const refuse = event.currentTarget.checked;
            setRefuseNear(refuse);
            // Global meta: applies to the files already added and to those added later.
            uploader.current?.setMeta({ duplicates: refuse ? 'reject' : 'allow' });
          }}
        />{' '}
        Refuse near-duplicates of images already stored (a resized or re-encoded copy is not stored)
      </label>
      <div ref={host} class="uploader" />

      <div aria-live="polite">
        {rejected.length > 0 && (
          <section aria-labelledby="rejected-title" class="rejected">
            <h2 id="rejected-title">Not stored</h2>
            <ul>
              {rejected.map((entry) => (
                <li key={entry.fileId} class="error">
                  <strong>{entry.name}</strong>: {entry.detail}
                </li>
              ))}
            </ul>
          </section>
        )}
        {uploaded.length > 0 && (
          <section aria-labelledby="uploaded-title" class="uploaded">
            <h2 id="uploaded-title">Stored</h2>
            <ul>
              {uploaded.map((entry) => (
                <li key={entry.fileId}>
                  <a href={`/console/images/${entry.imageId}`}>{entry.name}</a>
                  {entry.deduplicated && ' (already stored: the existing image was kept)'}
                </li>
              ))}
            </ul>
          </section>
        )}
      </div>
    </section>
  );
}
