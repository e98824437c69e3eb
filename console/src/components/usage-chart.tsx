import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Colours for the series, distinct enough on light and dark backgrounds. */
const PALETTE = ['#2450a6', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490', '#a16207', '#be185d', '#4d7c0f'];

export interface ChartSeries {
  label: string;
  values: number[];
}

/**
 * One uPlot line chart of values by day. uPlot draws on a canvas; the view puts the same numbers
 * in a table beside it for people (and screen readers) who cannot read the picture.
 */
export function UsageChart({
  title,
  days,
  series,
  unit,
}: {
  title: string;
  days: number[];
  series: ChartSeries[];
  unit?: (value: number) => string;
}) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const target = box.current;
    if (!target) return;
    const width = () => Math.max(280, target.clientWidth);
    const format = unit ?? ((value: number) => value.toLocaleString());
    // uPlot draws in fixed colours; the page's own keep the axes readable in dark mode too.
    const styles = getComputedStyle(document.documentElement);
    const colour = (name: string, fallback: string) => styles.getPropertyValue(name).trim() || fallback;
    const axis = {
      stroke: colour('--muted', '#555b66'),
      grid: { stroke: colour('--line', '#d5d8de') },
      ticks: { stroke: colour('--line', '#d5d8de') },
    };
    const plot = new uPlot(
      {
        width: width(),
        height: 220,
        scales: { x: { time: true } },
        axes: [axis, { ...axis, values: (_u, ticks) => ticks.map((tick) => format(tick)), size: 70 }],
        series: [
          { label: 'day' },
          ...series.map((line, index) => ({
            label: line.label,
            stroke: PALETTE[index % PALETTE.length] ?? '#2450a6',
            width: 2,
            points: { show: days.length < 40 },
            value: (_u: uPlot, value: number | null) => (value === null ? '—' : format(value)),
          })),
        ],
      },
      [days, ...series.map((line) => line.values)],
      target,
    );
    const resize = () => plot.setSize({ width: width(), height: 220 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [days, series]);

  return (
    <figure class="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}: a line per format, by day; the numbers are in the table below`} />
    </figure>
  );
}
