/**
 * The `Cache-Tag` the edge puts on every response about an image, and the tag the origin purges
 * when that image is deleted: one definition, so the two can never drift apart.
 */
export const imageCacheTag = (id: string): string => `img-${id}`;
