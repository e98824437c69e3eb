import { useEffect, useState } from 'preact/hooks';
import { answer, client } from './api.ts';

/**
 * URLs as the page may show them. Under `SIGNED_URLS=required` an /img URL needs `sig`, which only
 * the service can make (POST /v1/sign: the key never reaches the page); otherwise the paths are
 * used as they are. What the service said about signing is remembered for the page's lifetime.
 */
export interface SignedPaths {
  /** Same order as the paths asked for; the paths themselves until the answer arrives. */
  urls: string[];
  /** The service has SIGNING_KEYS: `urls` carry `sig`. */
  signed: boolean;
  /** Unsigned URLs are refused (SIGNED_URLS=required). */
  required: boolean;
}

let known: { signed: boolean; required: boolean } | undefined;

export async function signPaths(paths: readonly string[]): Promise<SignedPaths> {
  // Without SIGNING_KEYS the service answers the paths unchanged: no need to ask again.
  if (paths.length === 0 || known?.signed === false) return { urls: [...paths], signed: false, required: known?.required ?? false };
  const urls: string[] = [];
  let signed = false;
  let required = false;
  // The route takes at most 100 paths a call.
  for (let start = 0; start < paths.length; start += 100) {
    const result = await answer(client.POST('/v1/sign', { body: { paths: paths.slice(start, start + 100) } }));
    urls.push(...result.urls);
    signed = result.signed;
    required = result.required;
  }
  known = { signed, required };
  return { urls, signed, required };
}

/** Whether /img URLs must be signed, asked once (with any one path of the tenant's). */
export function signingKnown(): { signed: boolean; required: boolean } | undefined {
  return known;
}

export interface SignedLookup {
  /** The URL to use for a path: signed when the service signs; undefined while an answer is needed and pending. */
  urlFor(path: string): string | undefined;
  /**
   * The URL for the page itself to load (an <img>, a download): the signed one only where the
   * service requires it, so a preview does not load twice when signatures are optional.
   */
  loadFor(path: string): string | undefined;
  signed: boolean;
  required: boolean;
  error?: string;
}

/**
 * The paths, signed when the service signs. Until the service has said whether it requires
 * signatures, or while one it requires is on its way, a path has no URL (a view shows nothing
 * rather than a URL that would be refused). A refusal (a path the grammar rejects) falls back
 * to the plain paths: the images then show the service's own error.
 */
export function useSignedPaths(paths: readonly string[]): SignedLookup {
  const [answers, setAnswers] = useState<{ map: Map<string, string>; error?: string }>({ map: new Map() });
  // Only what has no answer yet is asked for, so a growing gallery signs each tile once.
  const missing = paths.filter((path) => !answers.map.has(path));
  const key = missing.join('\n');
  useEffect(() => {
    if (missing.length === 0) return;
    let live = true;
    signPaths(missing).then(
      (result) => {
        if (!live) return;
        setAnswers(({ map }) => {
          // Previews come and go as the form changes; old answers are dropped now and then.
          const next = map.size > 5000 ? new Map<string, string>() : new Map(map);
          missing.forEach((path, index) => next.set(path, result.urls[index] ?? path));
          return { map: next };
        });
      },
      (failure: unknown) => live && setAnswers(({ map }) => ({ map, error: failure instanceof Error ? failure.message : String(failure) })),
    );
    return () => {
      live = false;
    };
  }, [key]);
  const plainWorks = known !== undefined && !known.required;
  const urlFor = (path: string) => answers.map.get(path) ?? (plainWorks || answers.error !== undefined ? path : undefined);
  return {
    urlFor,
    loadFor: (path) => (known?.required ? answers.map.get(path) : urlFor(path) === undefined ? undefined : path),
    signed: known?.signed ?? false,
    required: known?.required ?? false,
    ...(answers.error === undefined ? {} : { error: answers.error }),
  };
}
