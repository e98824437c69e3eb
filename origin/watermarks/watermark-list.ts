import { buffer } from 'node:stream/consumers';
import { fail } from '../../core/errors.ts';
import { SNIFF_BYTES, sniffFormat } from '../ingest/sniff.ts';
import { mediaTypes } from '../media-types.ts';
import { watermarkPrefix } from '../storage/layout.ts';
import type { ObjectStorage } from '../storage/types.ts';

export const WATERMARK_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export interface WatermarkEntry {
  name: string;
  bytes: number;
  contentType: string;
  createdAt: string;
}

/**
 * The tenant's watermarks, read from storage itself: `watermarks/<tenant>/` is where a watermark
 * exists (PUT writes it there create-if-absent and nothing else), so a listing can never disagree
 * with what `wm_NAME` renders. Storage lists in key order, so pages go by name; the cursor is the
 * last name of a page. Overlays are a handful of logos per tenant, so skipping to the cursor is cheap.
 */
export async function listWatermarks(
  storage: ObjectStorage,
  tenant: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: WatermarkEntry[]; next: string | null }> {
  const after = page.cursor;
  if (after !== undefined && !WATERMARK_NAME.test(after)) {
    throw fail('invalid_request', 'cursor is malformed; pass the `next` value of the previous page unchanged');
  }
  const prefix = watermarkPrefix(tenant);
  const found: { name: string; bytes: number; lastModified: Date }[] = [];
  let more = false;
  for await (const object of storage.list(prefix)) {
    const name = object.key.slice(prefix.length);
    // Only names PUT could write; anything else under the prefix is not a watermark.
    if (!WATERMARK_NAME.test(name) || (after !== undefined && name <= after)) continue;
    if (found.length === page.limit) {
      more = true;
      break;
    }
    found.push({ name, bytes: object.size, lastModified: object.lastModified });
  }
  const items = await Promise.all(
    found.map(async (entry) => ({
      name: entry.name,
      bytes: entry.bytes,
      contentType: (await contentTypeOf(storage, prefix + entry.name)) ?? 'application/octet-stream',
      // Watermarks are immutable (create-if-absent), so the object's time is when it was made.
      createdAt: entry.lastModified.toISOString(),
    })),
  );
  return { items, next: more ? (found.at(-1)?.name ?? null) : null };
}

/**
 * The media type from the content: the file backend keeps none and S3's listing returns none, and
 * the bytes are what the renderer reads anyway. undefined for a vanished object.
 */
async function contentTypeOf(storage: ObjectStorage, key: string): Promise<string | undefined> {
  const head = await storage.get(key, { start: 0, end: SNIFF_BYTES - 1 }).catch((error: unknown) => {
    // An empty object cannot be ranged; it is no image either.
    if (error instanceof RangeError) return null;
    throw error;
  });
  if (head === null) return undefined;
  return mediaTypeOfBytes(await buffer(head.body));
}

/** The Content-Type of stored watermark bytes; octet-stream for what sniffing cannot name. */
export function mediaTypeOfBytes(bytes: Uint8Array): string {
  const sniffed = sniffFormat(bytes);
  return sniffed !== null && sniffed.format in mediaTypes
    ? mediaTypes[sniffed.format as keyof typeof mediaTypes]
    : 'application/octet-stream';
}
