import type { OutputFormat } from '../../core/transform-spec.ts';
import type { ImageRecord } from '../catalog/types.ts';
import { formatsFor, type PlannedTransform } from '../transform/plan.ts';
import { variantRequest } from '../transform/variant-identity.ts';
import type { BatchItem } from './batch-store.ts';
import { replaceInvisibleCharacters } from '../ingest/invisible-characters.ts';

/** A batch item as planned, with its variant's hash, from which its job id is made (queuedJobs). */
export interface PlannedItem extends BatchItem {
  hash: string;
  /** The preset it was planned from, for usage statistics by preset (not stored with the batch). */
  preset?: string | undefined;
}

/**
 * Images × transforms × formats as batch items: one per distinct variant (two spellings of the
 * same output are one item), named `<image filename or id>/<preset or ops>.<ext>` without clashes.
 */
export function planItems(images: readonly ImageRecord[], transforms: readonly PlannedTransform[]): PlannedItem[] {
  const items: PlannedItem[] = [];
  const keys = new Set<string>();
  const names = new UniqueNames();
  const folders = new UniqueNames();
  for (const image of images) {
    const folder = folders.claim(safeName(image.filename ?? image.id) || image.id, image.id);
    for (const transform of transforms) {
      for (const format of formatsFor(transform, image)) {
        // The identity the variant job will make (variantRequest), so the archive finds its key.
        const { key, hash } = variantRequest(image, transform, format).identity;
        if (keys.has(key)) continue;
        keys.add(key);
        const name = names.claim(`${folder}/${safeName(transform.label)}.${extension(format)}`, key);
        items.push({ imageId: image.id, canonical: transform.canonical, format, variantKey: key, hash, name, preset: transform.preset });
      }
    }
  }
  return items;
}

/** The archive's file extension: `.jpg`, as people expect, for JPEG. */
export function extension(format: OutputFormat): string {
  return format === 'jpeg' ? 'jpg' : format;
}

/** A name safe as one archive path segment: no separators, control characters or leading dots. */
export function safeName(raw: string): string {
  // Names stored before uploads stripped bidi characters may still hold them.
  return replaceInvisibleCharacters(raw, '_')
    .replace(/[/\\:*?"<>|]/g, '_')
    .replace(/^\.+/, '')
    .slice(0, 200);
}

/** Hands out names, suffixing `-2`, `-3`… (before the extension) to a name already claimed by another owner. */
class UniqueNames {
  private readonly owners = new Map<string, string>();

  claim(name: string, owner: string): string {
    for (let n = 1; ; n += 1) {
      const candidate = n === 1 ? name : suffixed(name, n);
      const current = this.owners.get(candidate);
      if (current === undefined) {
        this.owners.set(candidate, owner);
        return candidate;
      }
      if (current === owner) return candidate;
    }
  }
}

function suffixed(name: string, n: number): string {
  const slash = name.lastIndexOf('/');
  const dot = name.lastIndexOf('.');
  return dot > slash + 1 ? `${name.slice(0, dot)}-${n}${name.slice(dot)}` : `${name}-${n}`;
}
