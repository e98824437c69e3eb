import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request, type Dispatcher } from 'undici';

/** A problem response (SPEC section 5), or a network failure as `network_error`. */
export interface Problem {
  status: number;
  code: string;
  detail: string;
}

export interface ImageObject {
  id: string;
  sha256: string;
  bytes: number;
  deduplicated?: boolean;
  [field: string]: unknown;
}

export interface UploadStatus {
  uploadId: string;
  state: 'open' | 'completed' | 'aborted';
  partSize: number;
  parts: { partNumber: number; etag: string; size: number }[];
}

export type Result<T> = { ok: true; status: number; value: T } | { ok: false; problem: Problem };

/** Worth retrying: the network, a backend hiccup, or the server asking to come back. */
export function isTransient(problem: Problem): boolean {
  return problem.status === 0 || problem.status === 429 || problem.status >= 500;
}

/** The pixelfront HTTP API over one pooled undici Agent. */
export class ApiClient {
  private readonly agent: Agent;

  constructor(
    private readonly endpoint: string,
    private readonly key: string | undefined,
    connections: number,
    /** Aborts every request in flight (Ctrl-C); an aborted request is not retried. */
    private readonly signal?: AbortSignal,
  ) {
    this.agent = new Agent({ connections, keepAliveTimeout: 10_000 });
  }

  /** The tenant's image with these bytes, or undefined (also when the server cannot say). */
  async findBySha256(sha256: string): Promise<ImageObject | undefined> {
    const result = await this.send<{ items?: ImageObject[] }>(`/v1/images?sha256=${sha256}`, 'GET');
    // Checked, not trusted: a server without the filter would answer its newest images.
    return result.ok ? result.value.items?.find((image) => image.sha256 === sha256) : undefined;
  }

  /** A batch making these presets of these images (eager presets of files not sent again). */
  createBatch(presets: string[], images: string[]): Promise<Result<{ id: string; total: number }>> {
    return this.send('/v1/batches', 'POST', () => JSON.stringify({ presets, images }), { 'content-type': 'application/json' });
  }

  uploadImage(path: string, size: number, filename: string, eager: string | undefined): Promise<Result<ImageObject>> {
    const query = new URLSearchParams({ filename });
    if (eager) query.set('eager', eager);
    return this.send(`/v1/images?${query.toString()}`, 'POST', () => createReadStream(path), {
      'content-type': 'application/octet-stream',
      'content-length': String(size),
    });
  }

  createUpload(body: {
    filename: string;
    size: number;
    partSize?: number;
    eager?: string;
  }): Promise<Result<{ uploadId: string; partSize: number }>> {
    return this.send('/v1/uploads', 'POST', () => JSON.stringify(body), { 'content-type': 'application/json' });
  }

  getUpload(id: string): Promise<Result<UploadStatus>> {
    return this.send(`/v1/uploads/${id}`, 'GET');
  }

  /** Sends bytes start…start+size-1 of the file as part n, retrying transient failures. */
  async putPart(
    id: string,
    partNumber: number,
    path: string,
    start: number,
    size: number,
  ): Promise<Result<{ partNumber: number; etag: string; size: number }>> {
    const body = () => (size === 0 ? '' : createReadStream(path, { start, end: start + size - 1 }));
    return this.withRetries(() =>
      this.send(`/v1/uploads/${id}/parts/${partNumber}`, 'PUT', body, {
        'content-type': 'application/octet-stream',
        'content-length': String(size),
      }),
    );
  }

  /** `parts` undefined: all received parts, in order. */
  completeUpload(id: string, parts: { partNumber: number; etag: string }[] | undefined): Promise<Result<ImageObject>> {
    return this.withRetries(() =>
      this.send(`/v1/uploads/${id}/complete`, 'POST', () => JSON.stringify(parts ? { parts } : {}), { 'content-type': 'application/json' }),
    );
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async withRetries<T>(attempt: () => Promise<Result<T>>, tries = 4): Promise<Result<T>> {
    for (let n = 1; ; n += 1) {
      const result = await attempt();
      if (result.ok || !isTransient(result.problem) || n >= tries || this.signal?.aborted) return result;
      await sleep(250 * 2 ** n);
    }
  }

  private async send<T>(
    path: string,
    method: Dispatcher.HttpMethod,
    body?: () => Dispatcher.DispatchOptions['body'],
    headers: Record<string, string> = {},
  ): Promise<Result<T>> {
    const allHeaders: Record<string, string> = { accept: 'application/json', ...headers };
    if (this.key) allHeaders['authorization'] = `Bearer ${this.key}`;
    let response: Dispatcher.ResponseData;
    let text: string;
    try {
      response = await request(`${this.endpoint}${path}`, {
        method,
        headers: allHeaders,
        body: body?.(),
        dispatcher: this.agent,
        signal: this.signal,
      });
      // A connection cut while the answer is read is a network failure too (and so retried).
      text = await response.body.text();
    } catch (error) {
      return { ok: false, problem: { status: 0, code: 'network_error', detail: error instanceof Error ? error.message : String(error) } };
    }
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (response.statusCode >= 200 && response.statusCode < 300 && json !== undefined)
      return { ok: true, status: response.statusCode, value: json as T };
    const problem = (json ?? {}) as Partial<Problem>;
    return {
      ok: false,
      problem: {
        status: response.statusCode,
        code: typeof problem.code === 'string' ? problem.code : `http_${response.statusCode}`,
        detail: typeof problem.detail === 'string' ? problem.detail : text.slice(0, 200),
      },
    };
  }
}
