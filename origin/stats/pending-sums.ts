/**
 * Rows of counters summed in memory until a flush: rows with the same key columns add their
 * numeric columns together. What a failed flush took can be added back.
 */
export class PendingSums<Row extends object> {
  private rows = new Map<string, Row>();

  constructor(
    private readonly keyColumns: readonly (keyof Row & string)[],
    private readonly sumColumns: readonly (keyof Row & string)[],
  ) {}

  get size(): number {
    return this.rows.size;
  }

  add(row: Row): void {
    const key = this.keyColumns.map((column) => String(row[column])).join('\u0000');
    const entry = this.rows.get(key);
    if (!entry) {
      this.rows.set(key, { ...row });
      return;
    }
    const sums = entry as Record<string, unknown>;
    for (const column of this.sumColumns) sums[column] = Number(entry[column]) + Number(row[column]);
  }

  /** Everything pending, emptying the set. */
  take(): Row[] {
    const rows = [...this.rows.values()];
    this.rows = new Map();
    return rows;
  }
}
