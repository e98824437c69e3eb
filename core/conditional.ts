/**
 * `If-None-Match` evaluation (RFC 9110 section 13.1.2): weak comparison, so `W/"x"` matches `"x"`,
 * and `*` matches any current representation.
 */
export function etagMatches(ifNoneMatch: string | undefined, etag: string | null): boolean {
  if (ifNoneMatch === undefined || etag === null) return false;
  const wanted = ifNoneMatch.trim();
  if (wanted === '*') return true;
  const current = opaqueTag(etag);
  return wanted.split(',').some((candidate) => opaqueTag(candidate) === current);
}

function opaqueTag(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}
