import { openAsBlob } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import createClient, { type Client } from 'openapi-fetch';
import { Agent, fetch as undiciFetch, Request as UndiciRequest } from 'undici';
import type { components, paths } from '../core/api-types.ts';

/** A problem response (SPEC section 5), or a network failure as `network_error`. */
export interface Problem {
  status: number;
  code: string;
  detail: string;
}

/** Types from the origin's OpenAPI document (core/api-types.ts, `npm run api:types`). */
export type ImageObject = components['schemas']['UploadedImage'];
export type UploadStatus = components['schemas']['UploadStatus'];
export type UploadCreated = components['schemas']['UploadCreated'];
export type UploadPart = components['schemas']['UploadPart'];
export type BatchCreated = components['schemas']['BatchCreated'];
type CreateUpload = NonNullable<paths['/v1/uploads']['post']['requestBody']>['content']['application/json'];

export type Result<T> = { ok: true; status: number; value: T } | { ok: false; problem: Problem };

/** Worth retrying: the network, a backend hiccup, or the server asking to come back. */
export function isTransient(problem: Problem): boolean {
  return problem.status === 0 || problem.status === 429 || problem.status >= 500;
}

/** What openapi-fetch answers: the parsed body of a success or of a failure, and the response. */
interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Bytes go as they are: a file-backed Blob streams from disk with its exact Content-Length. */
const asIs = (body: unknown) => body;
const bytes = { 'content-type': 'application/octet-stream' };

/** The pixelfront HTTP API, typed from its OpenAPI document, over one pooled undici Agent. */
export class ApiClient {
  private readonly agent: Agent;
  private readonly client: Client<paths>;

  constructor(
    endpoint: string,
    key: string | undefined,
    connections: number,
    /** Aborts every request in flight (Ctrl-C); an aborted request is not retried. */
    private readonly signal?: AbortSignal,
  ) {
    this.agent = new Agent({ connections, keepAliveTimeout: 10_000 });
    const agent = this.agent;
    this.client = createClient<paths>({
      baseUrl: endpoint,
      ...(signal ? { signal } : {}),
      headers: { accept: 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      // undici's own fetch and Request, so requests go through this Agent's connection pool.
      Request: UndiciRequest as unknown as typeof Request,
      fetch: (request) => undiciFetch(request as unknown as UndiciRequest, { dispatcher: agent }),
    });
  }

  /** The tenant's image with these bytes, or undefined (also when the server cannot say). */
  async findBySha256(sha256: string): Promise<components['schemas']['ImageObject'] | undefined> {
    const result = await this.send(() => this.client.GET('/v1/images', { params: { query: { sha256 } } }));
    // Checked, not trusted: a server without the filter would answer its newest images.
    return result.ok ? result.value.items.find((image) => image.sha256 === sha256) : undefined;
  }

  /**
   * One small authenticated request before any file is sent: a server that is not there or a
   * key it refuses is then said once, instead of once for every file.
   */
  reachable(): Promise<Result<unknown>> {
    return this.send(() => this.client.GET('/v1/images', { params: { query: { limit: '1' } } }));
  }

  /** A batch making these presets of these images (eager presets of files not sent again). */
  createBatch(presets: string[], images: string[]): Promise<Result<BatchCreated>> {
    return this.send(() => this.client.POST('/v1/batches', { body: { presets, images } }));
  }

  uploadImage(path: string, filename: string, eager: string | undefined): Promise<Result<ImageObject>> {
    return this.send(async () => {
      const answer = await this.client.POST('/v1/images', {
        params: { query: { filename, ...(eager ? { eager } : {}) } },
        body: await openAsBlob(path),
        bodySerializer: asIs,
        headers: bytes,
      });
      // A raw body is one image; only a form answers with a list.
      return { ...answer, data: answer.data && 'items' in answer.data ? undefined : answer.data };
    });
  }

  createUpload(body: CreateUpload): Promise<Result<UploadCreated>> {
    return this.send(() => this.client.POST('/v1/uploads', { body }));
  }

  getUpload(id: string): Promise<Result<UploadStatus>> {
    return this.send(() => this.client.GET('/v1/uploads/{id}', { params: { path: { id } } }));
  }

  /** Sends bytes start…start+size-1 of the file as part n, retrying transient failures. */
  putPart(id: string, partNumber: number, path: string, start: number, size: number): Promise<Result<UploadPart>> {
    return this.withRetries(() =>
      this.send(async () =>
        this.client.PUT('/v1/uploads/{id}/parts/{n}', {
          params: { path: { id, n: String(partNumber) } },
          body: (await openAsBlob(path)).slice(start, start + size),
          bodySerializer: asIs,
          headers: bytes,
        }),
      ),
    );
  }

  /** `parts` undefined: all received parts, in order. */
  completeUpload(id: string, parts: { partNumber: number; etag: string }[] | undefined): Promise<Result<ImageObject>> {
    return this.withRetries(() =>
      this.send(() => this.client.POST('/v1/uploads/{id}/complete', { params: { path: { id } }, body: parts ? { parts } : {} })),
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

  private async send<T>(call: () => Promise<Answer<T>>): Promise<Result<T>> {
    let answer: Answer<T>;
    try {
      // A connection cut while the answer is read rejects here too (and so is retried).
      answer = await call();
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      return {
        ok: false,
        problem: { status: 0, code: 'network_error', detail: `${error instanceof Error ? error.message : String(error)}${cause}` },
      };
    }
    const { data, error, response } = answer;
    if (response.ok && data !== undefined) return { ok: true, status: response.status, value: data };
    const problem = (typeof error === 'object' && error !== null ? error : {}) as Partial<Problem>;
    return {
      ok: false,
      problem: {
        status: response.status,
        code: typeof problem.code === 'string' ? problem.code : `http_${response.status}`,
        detail: typeof problem.detail === 'string' ? problem.detail : typeof error === 'string' ? error.slice(0, 200) : response.statusText,
      },
    };
  }
}
