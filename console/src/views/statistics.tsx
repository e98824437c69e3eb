import '../views.css';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { answer, client, messageOf } from '../api.ts';
import { UsageChart, type ChartSeries } from '../components/usage-chart.tsx';
import { formatBytes, formatCount, utcDay } from '../format.ts';
import type { Stats, StatsRow } from '../types.ts';

type Metric = 'uploads' | 'renders' | 'deliveries';
const DAY_MS = 86_400_000;

function defaultRange(): { from: string; to: string } {
  const to = new Date();
  return { from: utcDay(new Date(to.getTime() - 29 * DAY_MS)), to: utcDay(to) };
}

/** Every UTC day from `from` to `to`, inclusive, so days without activity chart as 0. */
function daysOf(from: string, to: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let day = Date.parse(`${from}T00:00:00Z`); day <= end && days.length < 3700; day += DAY_MS) days.push(utcDay(new Date(day)));
  return days;
}

/** One series per format of `pick(row)` by day. */
function seriesBy(rows: StatsRow[], days: string[], pick: (row: StatsRow) => number): ChartSeries[] {
  const formats = [...new Set(rows.map((row) => row.format ?? 'all'))].sort();
  const index = new Map(days.map((day, position) => [day, position]));
  return formats.map((format) => {
    const values = days.map(() => 0);
    for (const row of rows) {
      const at = index.get(row.day ?? '');
      if ((row.format ?? 'all') === format && at !== undefined) values[at] = (values[at] ?? 0) + pick(row);
    }
    return { label: format, values };
  });
}

/** Usage from GET /v1/stats (groupBy=day,format) over a chosen range: charts, totals, and the rows as a table. */
export function Statistics() {
  const [range, setRange] = useState(defaultRange);
  const [draft, setDraft] = useState(range);
  const [stats, setStats] = useState<Stats>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    setError(undefined);
    answer(client.GET('/v1/stats', { params: { query: { from: range.from, to: range.to, groupBy: 'day,format', format: 'json' } } })).then(
      // The route may also answer CSV (a Blob here); asked for JSON, it answers the report.
      (report) => ('rows' in report ? setStats(report) : setError('the service did not answer JSON')),
      (failure: unknown) => setError(messageOf(failure)),
    );
  }, [range]);

  const days = useMemo(() => (stats ? daysOf(stats.from, stats.to) : []), [stats]);
  const x = useMemo(() => days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000), [days]);
  const charts = useMemo(() => {
    const rows = stats?.rows ?? [];
    const count = (metric: Metric) => seriesBy(rows, days, (row) => row[metric].count);
    return {
      uploads: count('uploads'),
      renders: count('renders'),
      deliveries: count('deliveries'),
      bytes: seriesBy(rows, days, (row) => row.deliveries.bytes),
    };
  }, [stats, days]);

  return (
    <section aria-labelledby="stats-title">
      <h1 id="stats-title">Statistics</h1>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setRange({ ...draft });
        }}
      >
        <label>
          From
          <input type="date" name="from" required value={draft.from} onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })} />
        </label>
        <label>
          To
          <input type="date" name="to" required value={draft.to} onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })} />
        </label>
        <button type="submit">Show</button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {stats && (
        <>
          <h2>
            Totals, {stats.from} to {stats.to}
          </h2>
          <dl class="totals">
            <div>
              <dt>Uploads</dt>
              <dd data-total="uploads">{formatCount(stats.totals.uploads.count)}</dd>
              <dd class="muted">{formatBytes(stats.totals.uploads.bytes)}</dd>
            </div>
            <div>
              <dt>Renders</dt>
              <dd data-total="renders">{formatCount(stats.totals.renders.count)}</dd>
              <dd class="muted">{formatBytes(stats.totals.renders.bytes)}</dd>
            </div>
            <div>
              <dt>Deliveries</dt>
              <dd data-total="deliveries">{formatCount(stats.totals.deliveries.count)}</dd>
              <dd class="muted">{formatBytes(stats.totals.deliveries.bytes)}</dd>
            </div>
            <div>
              <dt>Edge hit ratio</dt>
              <dd>{stats.totals.edge.hitRatio === null ? '—' : `${(stats.totals.edge.hitRatio * 100).toFixed(1)} %`}</dd>
              <dd class="muted">
                {formatCount(stats.totals.edge.hits)} hits, {formatCount(stats.totals.edge.misses)} misses
              </dd>
            </div>
          </dl>
          {stats.rows.length === 0 && <p class="empty">No activity in this range.</p>}
          <div class="charts">
            <UsageChart title="Uploads by day and format" days={x} series={charts.uploads} />
            <UsageChart title="Renders by day and format" days={x} series={charts.renders} />
            <UsageChart title="Deliveries by day and format" days={x} series={charts.deliveries} />
            <UsageChart title="Bytes delivered by day and format" days={x} series={charts.bytes} unit={formatBytes} />
          </div>
          <details>
            <summary>The numbers as a table</summary>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Day</th>
                    <th scope="col">Format</th>
                    <th scope="col">Uploads</th>
                    <th scope="col">Renders</th>
                    <th scope="col">Deliveries</th>
                    <th scope="col">Bytes delivered</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.rows.map((row) => (
                    <tr key={`${row.day ?? ''}-${row.format ?? ''}`}>
                      <td>{row.day}</td>
                      <td>{row.format}</td>
                      <td>{formatCount(row.uploads.count)}</td>
                      <td>{formatCount(row.renders.count)}</td>
                      <td>{formatCount(row.deliveries.count)}</td>
                      <td>{formatBytes(row.deliveries.bytes)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </section>
  );
}
