/**
 * How `npm run bench` names its results files in bench/results/, and which of them is a full run at
 * the default render gate: the only kind the capacity model reads. The other benchmarks write their
 * own files beside them (`<date>-q-auto.json`, `<date>-jxl.json`, `search-<date>.json`), which hold
 * no cold/stored/warm rows or upload figures.
 */

/**
 * `<date>.json`, `<date>-quick.json` (--quick), `<date>-rc<N>.json` (--render-concurrency=N), and
 * `-partial` before `.json` for a tuning run (--only, --no-scenarios or --no-edge), whose rows are
 * not the whole table the capacity model reads.
 */
export function resultsFileName(
  date: string,
  options: {
    quick: boolean;
    renderConcurrency?: number | undefined;
    only?: readonly string[] | undefined;
    scenarios?: boolean;
    edge?: boolean;
  },
): string {
  const quick = options.quick ? '-quick' : '';
  const gate = options.renderConcurrency === undefined ? '' : `-rc${String(options.renderConcurrency)}`;
  const partial = options.only !== undefined || options.scenarios === false || options.edge === false ? '-partial' : '';
  return `${date.replace(/[:.]/g, '-')}${quick}${gate}${partial}.json`;
}

const fullRun = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.json$/;

/** The newest full run at the default gate among `names` (ISO dates sort as text), or undefined. */
export function newestFullRun(names: readonly string[]): string | undefined {
  return names
    .filter((name) => fullRun.test(name))
    .sort()
    .at(-1);
}
