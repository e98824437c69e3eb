import type { StatsDimension, StatsReport } from './api-schema.ts';
import type { CsvCell } from './csv.ts';

/** The CSV form of a stats report: the grouped dimensions, then every counter, one line per row. */
export function statsCsv(report: StatsReport): { header: string[]; rows: CsvCell[][] } {
  const dimensions: readonly StatsDimension[] = report.groupBy;
  const header = [
    ...dimensions,
    'uploads',
    'upload_bytes',
    'renders',
    'render_bytes',
    'render_cpu_ms',
    'deliveries',
    'delivery_bytes',
    'edge_hits',
    'edge_misses',
    'edge_hit_ratio',
  ];
  const rows = report.rows.map((row) => [
    ...dimensions.map((dimension) => row[dimension]),
    row.uploads.count,
    row.uploads.bytes,
    row.renders.count,
    row.renders.bytes,
    row.renders.cpuMs,
    row.deliveries.count,
    row.deliveries.bytes,
    row.edge.hits,
    row.edge.misses,
    row.edge.hitRatio,
  ]);
  return { header, rows };
}
