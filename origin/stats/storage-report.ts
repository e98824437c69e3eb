import type { Config } from '../config.ts';
import type { StorageReport } from './api-schema.ts';
import { emptyStorage, type StorageByKind, type StorageCounter } from './storage-counter.ts';

const dayMs = 86_400_000;

/**
 * Where variants expire without telling the service (an S3 lifecycle rule on `variants/`, SPEC
 * section 8), the variants counted are the ones written in the last VARIANT_TTL_DAYS: an estimate.
 * The file backend's sweep takes what it deletes off the counters, so there they are exact.
 */
export function variantsSince(config: Pick<Config, 'storageUrl' | 'variantTtlDays'>, now: Date = new Date()): string | undefined {
  if (config.storageUrl.startsWith('file://')) return undefined;
  return new Date(now.getTime() - config.variantTtlDays * dayMs).toISOString().slice(0, 10);
}

/** Every counter of the tenants, one sum per kind; each tenant's stored bytes for the admin list. */
export async function storageTotals(counter: StorageCounter, config: Config, tenant: string | undefined) {
  return counter.totals(tenant, { variantsSince: variantsSince(config) });
}

export function storageReport(byKind: StorageByKind | undefined, config: Config): StorageReport {
  const { original, variant, mezzanine } = byKind ?? emptyStorage();
  return {
    originals: original,
    variants: variant,
    mezzanines: mezzanine,
    total: storedTotal(byKind ?? emptyStorage()),
    variantsEstimated: variantsSince(config) !== undefined,
  };
}

export function storedTotal(byKind: StorageByKind): { objects: number; bytes: number } {
  const all = Object.values(byKind);
  return { objects: all.reduce((sum, kind) => sum + kind.objects, 0), bytes: all.reduce((sum, kind) => sum + kind.bytes, 0) };
}
