/**
 * Whether a request target's path holds a `.` or `..` segment, written raw or percent-encoded
 * (`%2e`), also behind an encoded slash or a backslash (`..%2f`, `..%5c`). URL parsers resolve
 * such segments before routing, so `/img/%2e%2e/metrics` would reach `/metrics`: a proxy that
 * exposes only `/img/*` is bypassed. Both runtimes refuse these paths before routing (SPEC §3).
 */
export function hasDotSegment(target: string): boolean {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
  let path = authority ? target.slice(authority[0].length) : target;
  const end = path.search(/[?#]/);
  if (end !== -1) path = path.slice(0, end);
  const decoded = path.replace(/%2e/gi, '.').replace(/%2f/gi, '/').replace(/%5c/gi, '\\');
  return decoded.split(/[/\\]/).some((segment) => segment === '.' || segment === '..');
}

export const dotSegmentDetail = 'the path has a "." or ".." segment (raw or percent-encoded); send the path it stands for';
