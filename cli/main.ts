import { ApiClient } from './api-client.ts';
import { parseUploadArgs, usage, UsageError, type UploadOptions } from './args.ts';
import { findImages } from './find-images.ts';
import { countLine, Progress, summarize, summaryTable, type Summary } from './report.ts';
import { uploadFile, type FileOutcome } from './upload-file.ts';

/** The exit code of a run stopped by Ctrl-C, as shells report SIGINT (128 + 2). */
const INTERRUPTED = 130;

/**
 * `pixelfront <command> …`; returns the exit code: 0 all uploaded, 1 any file rejected or failed,
 * 2 usage, 130 stopped by Ctrl-C (a second Ctrl-C exits at once).
 */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || rest.includes('-h') || rest.includes('--help')) {
    process.stdout.write(`${usage}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'upload') {
    process.stderr.write(`pixelfront: unknown command "${command}"\n\n${usage}\n`);
    return 2;
  }
  let options: UploadOptions;
  try {
    options = parseUploadArgs(rest);
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof TypeError)) throw error;
    process.stderr.write(`pixelfront: ${error.message}\n\n${usage}\n`);
    return 2;
  }
  const interrupt = new AbortController();
  const onInterrupt = () => (interrupt.signal.aborted ? process.exit(INTERRUPTED) : interrupt.abort());
  process.on('SIGINT', onInterrupt);
  let run: UploadRun;
  try {
    run = await upload(options, interrupt.signal);
  } catch (error) {
    process.stderr.write(`pixelfront: ${error instanceof Error ? error.message : String(error)}\n`);
    return interrupt.signal.aborted ? INTERRUPTED : 1;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  const { summary } = run;
  if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    process.stdout.write(`\n${run.listedFiles ? countLine(summary) : summaryTable(summary)}\n`);
    if (summary.eagerBatches?.length)
      process.stdout.write(`--eager presets of the files not sent: batch ${summary.eagerBatches.join(', ')}\n`);
  }
  if (summary.eagerError) {
    const { code, detail } = summary.eagerError;
    process.stderr.write(`pixelfront: the --eager presets of the files not sent were not queued: ${code}: ${detail}\n`);
  }
  if (interrupt.signal.aborted) {
    process.stderr.write(interruptedMessage(summary, options.stateDir));
    return INTERRUPTED;
  }
  return summary.counts.rejected + summary.counts.failed > 0 || summary.eagerError ? 1 : 0;
}

export interface UploadRun {
  summary: Summary;
  /** Each file was printed as it finished (no terminal): the summary gives only the counts. */
  listedFiles: boolean;
}

/** Uploads every image under the given paths, `concurrency` files at a time, until `signal` aborts. */
export async function upload(options: UploadOptions, signal?: AbortSignal): Promise<UploadRun> {
  const files = await findImages(options.paths);
  const api = new ApiClient(options.endpoint, options.key, options.concurrency, signal);
  // With --json, stdout carries only the JSON: progress goes to stderr.
  const progress = new Progress(
    options.json ? process.stderr : process.stdout,
    files.reduce((sum, file) => sum + file.size, 0),
    files.length,
  );
  const outcomes: FileOutcome[] = new Array<FileOutcome>(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length && !signal?.aborted) {
      const index = next++;
      const file = files[index];
      if (!file) continue;
      const outcome = await uploadFile(
        {
          api,
          endpoint: options.endpoint,
          eager: options.eager,
          concurrency: options.concurrency,
          multipartThreshold: options.multipartThreshold,
          partSize: options.partSize,
          stateDir: options.stateDir,
          onBytes: (bytes) => progress.addBytes(bytes),
          ...(signal ? { signal } : {}),
        },
        file,
      );
      outcomes[index] = outcome;
      progress.fileDone(outcome);
    }
  };
  let summary: Summary;
  try {
    if (files.length > 0) await checkServer(api, options.endpoint);
    await Promise.all(Array.from({ length: Math.min(options.concurrency, files.length) }, worker));
    // Files never started because of Ctrl-C are listed too, so the summary says what is left.
    for (const [index, file] of files.entries()) {
      if (outcomes[index] !== undefined) continue;
      outcomes[index] = { file: file.path, bytes: file.size, status: 'interrupted' };
      progress.fileDone(outcomes[index]);
    }
    summary = summarize(outcomes);
    if (!signal?.aborted) Object.assign(summary, await eagerForSkipped(api, options.eager, outcomes));
  } finally {
    progress.stop();
    await api.close();
  }
  return { summary, listedFiles: progress.listedFiles };
}

/**
 * Stops the run before the first file when the server cannot be reached or refuses the key (the
 * same answer would come for every file). Other failures (a 503, a 429) are left to each file's
 * own retries.
 */
async function checkServer(api: ApiClient, endpoint: string): Promise<void> {
  const answer = await api.reachable();
  if (answer.ok) return;
  const { status, code, detail } = answer.problem;
  if (status === 0) {
    throw new Error(`cannot reach ${endpoint} (${detail}): is the origin running there? Set it with --endpoint or PIXELFRONT_ENDPOINT`);
  }
  if (status === 401 || status === 403) {
    throw new Error(`${endpoint} refused the API key (${status} ${code}: ${detail}): pass the bare key with --key or PIXELFRONT_KEY`);
  }
}

/**
 * Files not sent again get their --eager presets the way a re-upload would have queued them:
 * as batches (at most 1,000 images each, well inside a batch's 100,000 variants).
 */
async function eagerForSkipped(
  api: ApiClient,
  eager: string | undefined,
  outcomes: FileOutcome[],
): Promise<Pick<Summary, 'eagerBatches' | 'eagerError'>> {
  const presets = (eager ?? '').split(',').filter(Boolean);
  const ids = outcomes.flatMap((outcome) => (outcome.skipped && outcome.id ? [outcome.id] : []));
  if (presets.length === 0 || ids.length === 0) return {};
  const eagerBatches: string[] = [];
  for (let start = 0; start < ids.length; start += 1000) {
    const created = await api.createBatch(presets, ids.slice(start, start + 1000));
    if (!created.ok) return { eagerBatches, eagerError: created.problem };
    eagerBatches.push(created.value.id);
  }
  return { eagerBatches };
}

function interruptedMessage(summary: Summary, stateDir: string): string {
  const { counts } = summary;
  const done = counts.ok + counts.deduplicated + counts.rejected + counts.failed;
  return (
    `pixelfront: interrupted after ${done} of ${summary.items.length} files (${counts.ok} uploaded, ${counts.deduplicated} already there); ` +
    `${counts.interrupted} not done.\n` +
    `Run the same command again to finish: files the server already has are skipped, and a multipart ` +
    `upload resumes from the parts it holds (state in ${stateDir}).\n`
  );
}
