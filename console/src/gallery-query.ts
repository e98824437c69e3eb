/**
 * The gallery's filter and what it asks the catalog: GET /v1/images searches (`q`), filters (`tag`,
 * every one given; `format`; `from`/`to`, whole UTC days) and orders (`sort`), and pages the result
 * on its cursor, so the filter is applied by the service, never page by page in the browser.
 */
export interface GalleryFilter {
  q: string;
  tag: string;
  format: string;
  from: string;
  to: string;
  sort: '' | 'createdAt' | '-bytes';
}

export const emptyFilter: GalleryFilter = { q: '', tag: '', format: '', from: '', to: '', sort: '' };
export const FORMATS = ['jpeg', 'png', 'webp', 'avif', 'gif', 'tiff', 'svg', 'heic'] as const;
type ImageFormat = (typeof FORMATS)[number];

/** The tags typed in the filter: comma- or space-separated; every one must match. */
export function filterTags(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((tag) => tag.trim().toLowerCase())
    .filter(Boolean);
}

/** The filter as GET /v1/images parameters; empty fields are left out. */
export function filterQuery(filter: GalleryFilter) {
  const q = filter.q.trim();
  const tags = filterTags(filter.tag);
  return {
    ...(q ? { q } : {}),
    ...(tags.length ? { tag: tags } : {}),
    ...(filter.format ? { format: filter.format as ImageFormat } : {}),
    ...(filter.from ? { from: filter.from } : {}),
    ...(filter.to ? { to: filter.to } : {}),
    ...(filter.sort ? { sort: filter.sort } : {}),
  };
}
