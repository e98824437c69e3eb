import type { ImageRecord } from '../catalog/types.ts';
import { stripInvisibleCharacters } from './invisible-characters.ts';

/** The image object of SPEC section 4, as the API returns it: the record minus internals. */
export type ImageObject = Omit<ImageRecord, 'tenant' | 'blurhash' | 'dominantColor' | 'createdAt'> & {
  createdAt: string;
  placeholder: { blurhash: string | null; dominantColor: string | null };
  url: string;
};

export function toImageObject(image: ImageRecord): ImageObject {
  const { tenant: _tenant, blurhash, dominantColor, createdAt, ...visible } = image;
  return {
    ...visible,
    // Rows stored before uploads stripped bidi characters may still hold them.
    filename: visible.filename === null ? null : stripInvisibleCharacters(visible.filename),
    createdAt: createdAt.toISOString(),
    placeholder: { blurhash, dominantColor },
    url: `/img/${image.id}`,
  };
}
