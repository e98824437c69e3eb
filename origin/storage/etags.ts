/** S3 ETags are quoted (and may be marked weak); clients may send them either way. Compared unquoted, lower case. */
export function normalizeEtag(etag: string): string {
  return etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
}
