import { fail } from '../../core/errors.ts';
import { resolveFormat, type FormatToken, type SourceTraits } from '../../core/negotiate.ts';
import type { OutputFormat } from '../../core/transform-spec.ts';
import type { ImageRecord } from '../catalog/types.ts';
import { canonicalTransform, type CanonicalTransform } from '../delivery/variant.ts';
import type { Services } from '../services.ts';
import { variantIdentity } from '../transform/variant-identity.ts';
import type { BatchItem } from './batch-store.ts';

/** A validated preset or raw transform of a batch, with the label its outputs get in the archive. */
export interface PlannedTransform extends CanonicalTransform {
  label: string;
}

const PRESET_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Every token `f_auto` can resolve to: one variant each, so any browser's request is served from storage. */
const negotiableTokens: readonly FormatToken[] = ['avif', 'webp', 'default'];

/**
 * Parses every preset name and raw transform up front, so a batch is refused whole (400
 * `invalid_transform` naming the item) before anything is queued.
 */
export function planTransforms(
  services: Services,
  request: { presets: readonly string[]; transforms: readonly string[] },
): PlannedTransform[] {
  const planned: PlannedTransform[] = [];
  for (const name of request.presets) {
    if (!PRESET_NAME.test(name))
      throw fail('invalid_transform', `preset ${JSON.stringify(name.slice(0, 80))}: names are 1…64 characters A-Z a-z 0-9 _ -`);
    if (!services.presets.has(name)) throw fail('invalid_transform', `preset "${name}" is not defined`);
    planned.push({ label: name, ...canonicalTransform(services, `t_${name}`) });
  }
  for (const ops of request.transforms) {
    if (ops.trim() === '') throw fail('invalid_transform', 'a transform must not be empty');
    const transform = canonicalTransform(services, ops);
    planned.push({ label: transform.canonical === '' ? 'original' : transform.canonical, ...transform });
  }
  return planned;
}

/** The concrete formats a transform is made in for one source: `f_auto` gives one per negotiable format. */
export function formatsFor(transform: CanonicalTransform, image: ImageRecord): OutputFormat[] {
  const traits: SourceTraits = { format: image.format, hasAlpha: image.hasAlpha, animated: image.frames > 1 };
  const { f } = transform.spec;
  if (f !== undefined && f !== 'auto') return [f];
  if (f === undefined) return [resolveFormat('default', traits)];
  return [...new Set(negotiableTokens.map((token) => resolveFormat(token, traits)))];
}

/**
 * Images × transforms × formats as batch items: one per distinct variant (two spellings of the
 * same output are one item), named `<image filename or id>/<preset or ops>.<ext>` without clashes.
 */
export function planItems(images: readonly ImageRecord[], transforms: readonly PlannedTransform[]): BatchItem[] {
  const items: BatchItem[] = [];
  const keys = new Set<string>();
  const names = new UniqueNames();
  const folders = new UniqueNames();
  for (const image of images) {
    const folder = folders.claim(safeName(image.filename ?? image.id) || image.id, image.id);
    for (const transform of transforms) {
      for (const format of formatsFor(transform, image)) {
        const { key } = variantIdentity(image.id, transform.canonicalWithoutFormat, format);
        if (keys.has(key)) continue;
        keys.add(key);
        const name = names.claim(`${folder}/${safeName(transform.label)}.${extension(format)}`, key);
        items.push({ imageId: image.id, canonical: transform.canonical, format, variantKey: key, name });
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
  return raw
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_')
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
