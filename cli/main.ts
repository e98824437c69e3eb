import { ApiClient } from './api-client.ts';
import { parseUploadArgs, usage, UsageError, type UploadOptions } from './args.ts';
import { findImages } from './find-images.ts';
import { Progress, summarize, summaryTable, type Summary } from './report.ts';
import { uploadFile, type FileOutcome } from './upload-file.ts';

/** `pixelfront <command> …`; returns the exit code: 0 all uploaded, 1 any file rejected or failed, 2 usage. */
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
  let summary: Summary;
  try {
    summary = await upload(options);
  } catch (error) {
    process.stderr.write(`pixelfront: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stdout.write(`\n${summaryTable(summary)}\n`);
  return summary.counts.rejected + summary.counts.failed > 0 ? 1 : 0;
}

/** Uploads every image under the given paths, `concurrency` files at a time. */
export async function upload(options: UploadOptions): Promise<Summary> {
  const files = await findImages(options.paths);
  const api = new ApiClient(options.endpoint, options.key, options.concurrency);
  // With --json, stdout carries only the JSON: progress goes to stderr.
  const progress = new Progress(
    options.json ? process.stderr : process.stdout,
    files.reduce((sum, file) => sum + file.size, 0),
    files.length,
  );
  const outcomes: FileOutcome[] = new Array<FileOutcome>(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
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
        },
        file,
      ).catch((error: unknown): FileOutcome => ({
        file: file.path,
        bytes: file.size,
        status: 'failed',
        error: { status: 0, code: 'client_error', detail: error instanceof Error ? error.message : String(error) },
      }));
      outcomes[index] = outcome;
      progress.fileDone(outcome);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, files.length) }, worker));
  } finally {
    progress.stop();
    await api.close();
  }
  return summarize(outcomes);
}
