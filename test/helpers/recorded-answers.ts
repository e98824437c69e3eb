import type { Recorded } from './openapi.ts';

/**
 * Every answer the test suite gets from an origin it started (startTestOrigin registers each), as
 * the global fetch saw it, so test/setup/documented-answers.ts can check them all against the
 * OpenAPI document, not only the scripted session of test/openapi.test.ts.
 */
const origins = new Set<string>();
const recorded: Recorded[] = [];
const reading: Promise<void>[] = [];

export function recordAnswersOf(url: string): void {
  origins.add(new URL(url).origin);
}

/** The answers so far, once their JSON bodies are read. */
export async function recordedAnswers(): Promise<Recorded[]> {
  await Promise.all(reading);
  return recorded;
}

export function installAnswerRecorder(): void {
  const original = globalThis.fetch;
  globalThis.fetch = async function recordingFetch(input, init) {
    const response = await original(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!origins.has(url.origin)) return response;
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const contentType = response.headers.get('content-type') ?? '';
    const entry: Recorded = { method, path: url.pathname, status: response.status, contentType, body: '' };
    // Only JSON is checked beyond its media type; a copy is read beside the test's own reading.
    if (contentType.includes('json') && method !== 'HEAD') {
      reading.push(
        response
          .clone()
          .text()
          .then((body) => void recorded.push({ ...entry, body }))
          .catch(() => undefined),
      );
    } else {
      recorded.push(entry);
    }
    return response;
  };
}
