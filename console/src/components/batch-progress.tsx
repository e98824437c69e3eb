import { useEffect, useState } from 'preact/hooks';
import { answer, client, messageOf } from '../api.ts';
import type { BatchProgress } from '../types.ts';

const POLL_MS = 1000;

/** One batch, polled until it has finished; then the link to its ZIP. */
export function BatchProgressView({ id }: { id: string }) {
  const [progress, setProgress] = useState<BatchProgress>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let live = true;
    const poll = async () => {
      try {
        const now = await answer(client.GET('/v1/batches/{id}', { params: { path: { id } } }));
        if (!live) return;
        setProgress(now);
        setError(undefined);
        if (now.state === 'queued' || now.state === 'running') timer = setTimeout(() => void poll(), POLL_MS);
      } catch (failure) {
        if (!live) return;
        setError(messageOf(failure));
        timer = setTimeout(() => void poll(), POLL_MS * 3);
      }
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [id]);

  const finished = progress && (progress.state === 'completed' || progress.state === 'failed');
  return (
    <div class="card stack" aria-labelledby="batch-progress-title">
      <h2 id="batch-progress-title">
        Batch <code>{id}</code>
      </h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {progress && (
        <>
          <progress max={Math.max(progress.total, 1)} value={progress.done + progress.failed} aria-label="Batch progress" />
          <p aria-live="polite" class="batch-state">
            {progress.state}: {progress.done} of {progress.total} done{progress.failed > 0 ? `, ${progress.failed} failed` : ''}
          </p>
          {progress.errors.length > 0 && (
            <details>
              <summary>Failed items</summary>
              <ul>
                {progress.errors.map((item) => (
                  <li key={`${item.image}-${item.name}`}>
                    <code>{item.image}</code> {item.name}: {item.detail}
                  </li>
                ))}
              </ul>
            </details>
          )}
          {finished && (
            <p>
              <a class="button primary" href={`/v1/batches/${id}/archive`} download={`${id}.zip`}>
                Download the ZIP
              </a>
            </p>
          )}
        </>
      )}
    </div>
  );
}
