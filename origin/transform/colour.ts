/** An sRGB colour with alpha 0…1, the form sharp's background options take. */
export interface Rgba {
  r: number;
  g: number;
  b: number;
  alpha: number;
}

export const white: Rgba = { r: 255, g: 255, b: 255, alpha: 1 };

/** `b` of the spec (lower-case rrggbb or rrggbbaa, already validated by the grammar); absent → white. */
export function parseBackground(hex: string | undefined): Rgba {
  if (hex === undefined) return white;
  const channel = (index: number): number => Number.parseInt(hex.slice(index, index + 2), 16);
  return { r: channel(0), g: channel(2), b: channel(4), alpha: hex.length === 8 ? channel(6) / 255 : 1 };
}

export function opaque(colour: Rgba): Rgba {
  return { ...colour, alpha: 1 };
}
