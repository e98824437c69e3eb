import { csrfHeaders, reportUnauthorized } from '../api.ts';
import type { Problem } from '../types.ts';

/**
 * The one place the uploader sends file bytes: XMLHttpRequest, because fetch reports no upload
 * progress. Used by @uppy/aws-s3 as its `uploadPartBytes` hook for both a part of a multipart
 * upload (`PUT /v1/uploads/:id/parts/:n`) and a whole small file (`POST /v1/images`).
 */

/** An answer other than 2xx, with the service's problem: Uppy shows `message` (the detail) and retries by `source.status`. */
export class UploadRejected extends Error {
  readonly source: { status: number };
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title);
    this.name = 'UploadRejected';
    // @uppy/aws-s3 decides on retries from `source.status`: 4xx other than 409/429 are final.
    this.source = { status: problem.status };
  }
}

export interface SentBytes {
  status: number;
  etag: string | null;
  body: unknown;
}

export interface SendOptions {
  method: 'PUT' | 'POST';
  url: string;
  body: Blob;
  headers?: Record<string, string>;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

export function sendBytes({ method, url, body, headers = {}, onProgress, signal }: SendOptions): Promise<SentBytes> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open(method, url, true);
    xhr.withCredentials = true;
    for (const [name, value] of Object.entries({ accept: 'application/json', ...headers, ...csrfHeaders() })) {
      xhr.setRequestHeader(name, value);
    }
    xhr.responseType = 'text';
    const cancel = () => xhr.abort();
    signal?.addEventListener('abort', cancel, { once: true });
    const done = () => signal?.removeEventListener('abort', cancel);
    if (onProgress) xhr.upload.addEventListener('progress', onProgress);
    xhr.addEventListener('abort', () => {
      done();
      reject(abortError(signal));
    });
    xhr.addEventListener('error', () => {
      done();
      // No answer at all (the network, or the server went away): status 0 lets aws-s3 retry.
      reject(Object.assign(new Error(`${method} ${url}: no answer from the service`), { source: { status: 0 } }));
    });
    xhr.addEventListener('load', () => {
      done();
      const answer = parseJson(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300) {
        // The last progress event may come before the end; the part is whole once answered.
        onProgress?.(new ProgressEvent('progress', { lengthComputable: true, loaded: body.size, total: body.size }));
        resolve({ status: xhr.status, etag: xhr.getResponseHeader('etag'), body: answer });
        return;
      }
      if (xhr.status === 401) reportUnauthorized();
      reject(new UploadRejected(problemOf(answer, xhr)));
    });
    xhr.send(body);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function problemOf(json: unknown, xhr: XMLHttpRequest): Problem {
  if (typeof json === 'object' && json !== null && typeof (json as Partial<Problem>).detail === 'string') return json as Problem;
  return {
    type: 'about:blank',
    title: xhr.statusText,
    status: xhr.status,
    detail: `${xhr.status} ${xhr.statusText}`.trim(),
    code: 'unavailable',
  };
}

function abortError(signal: AbortSignal | undefined): Error {
  const error = new DOMException('The upload was stopped', 'AbortError');
  // aws-s3 tells a pause from a cancel by the abort's reason, carried as the error's cause.
  return Object.assign(error, { cause: signal?.reason as unknown });
}
