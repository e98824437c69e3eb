import type { Kysely } from 'kysely';
import type { Database } from '../catalog/schema.ts';

/**
 * Adds one upload of `bytes` to its UTC day/tenant/format counter (`upload_counts`, created with
 * the images table in migration 0001; stats-report.ts reads it beside usage-counter.ts's renders
 * and deliveries). An upload is rare and already costs a catalog write, so it is added at once
 * rather than batched in memory.
 */
export async function countUpload(
  db: Kysely<Database>,
  tenant: string,
  format: string,
  bytes: number,
  at: Date = new Date(),
): Promise<void> {
  const day = at.toISOString().slice(0, 10); // UTC
  await db
    .insertInto('upload_counts')
    .values({ day, tenant, format, count: 1, bytes })
    .onConflict((conflict) =>
      conflict.columns(['day', 'tenant', 'format']).doUpdateSet((eb) => ({
        count: eb('upload_counts.count', '+', 1),
        bytes: eb('upload_counts.bytes', '+', eb.ref('excluded.bytes')),
      })),
    )
    .execute();
}
