import type { ImageRecord } from '../catalog/types.ts';

/** The image object of SPEC section 4, as the API returns it. */
export interface ImageObject {
  id: string;
  filename: string | null;
  format: ImageRecord['format'];
  width: number;
  height: number;
  bytes: number;
  sha256: string;
  frames: number;
  hasAlpha: boolean;
  orientation: number | null;
  createdAt: string;
  placeholder: { blurhash: string | null; dominantColor: string | null };
  url: string;
}

export function toImageObject(image: ImageRecord): ImageObject {
  return {
    id: image.id,
    filename: image.filename,
    format: image.format,
    width: image.width,
    height: image.height,
    bytes: image.bytes,
    sha256: image.sha256,
    frames: image.frames,
    hasAlpha: image.hasAlpha,
    orientation: image.orientation,
    createdAt: image.createdAt.toISOString(),
    placeholder: { blurhash: image.blurhash, dominantColor: image.dominantColor },
    url: `/img/${image.id}`,
  };
}
