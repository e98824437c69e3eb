import type { z } from 'zod';
import type { ImageRecord } from '../catalog/types.ts';
import { stripInvisibleCharacters } from './invisible-characters.ts';
import type { imageObjectSchema } from './responses.ts';

/** The image object of SPEC section 4, as the API returns it: the record minus internals; typed by its documented schema. */
export type ImageObject = z.output<typeof imageObjectSchema>;

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
