import { fail } from '../core/errors.ts';

/** The parts of `/img/<id>[/<ops>[/<name.ext>]]`; the SEO file name is dropped. */
export interface ImagePath {
  id: string;
  /** The raw ops segment as written in the URL ('' for the original). */
  ops: string;
}

/** Splits a request path under `/img/`; anything else is 400 `invalid_request`. */
export function parseImagePath(pathname: string): ImagePath {
  const rest = pathname.replace(/^\/img\/?/, '');
  const segments = rest.split('/');
  if (segments.length > 3) throw fail('invalid_request', 'expected /img/<id>[/<ops>[/<name.ext>]]');
  // The SEO name is never read, so it is not decoded: however it is spelled, it cannot fail.
  const [id = '', ops = ''] = segments;
  return { id: decodeSegment(id), ops: decodeSegment(ops) };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw fail('invalid_request', `malformed percent-encoding in "${segment}"`);
  }
}
