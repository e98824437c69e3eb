/** Paths of the service's image URLs (README, Transform URLs). */
export function imagePath(id: string, ops = ''): string {
  return ops === '' ? `/img/${id}` : `/img/${id}/${ops}`;
}

/** Widths offered in srcset: enough steps that a browser rarely fetches twice the pixels it needs. */
export const SRCSET_WIDTHS = [160, 240, 320, 480, 640, 960, 1280, 1600] as const;

/** `srcset` of one transform at several widths; `ops(w)` gives the ops for a width. */
export function srcset(id: string, widths: readonly number[], ops: (width: number) => string): string {
  return widths.map((width) => `${imagePath(id, ops(width))} ${width}w`).join(', ');
}
