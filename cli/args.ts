import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

export interface UploadOptions {
  paths: string[];
  endpoint: string;
  key: string | undefined;
  eager: string | undefined;
  /** Files, and parts of one multipart upload, in flight at once. */
  concurrency: number;
  json: boolean;
  /** Files larger than this go through a multipart upload. */
  multipartThreshold: number;
  /** Part size to ask the server for (it may choose larger); undefined: the server's default. */
  partSize: number | undefined;
  /** Where resumable upload state is kept between runs. */
  stateDir: string;
}

const MiB = 1024 * 1024;

export const usage = `Usage: pixelfront upload <files or folders…> [options]

Uploads every image found (folders are searched recursively). Files up to the multipart
threshold go in one request; larger ones through a resumable multipart upload, resumed
when the command is run again after an interruption.

Options:
  --endpoint URL             origin or edge URL (env PIXELFRONT_ENDPOINT, default http://127.0.0.1:8080)
  --key KEY                  API key (env PIXELFRONT_KEY)
  --eager p1,p2              presets to render right after each upload
  --concurrency N            requests in flight (default 4)
  --multipart-threshold N    bytes above which multipart is used (default ${32 * MiB})
  --part-size N              part size to ask for (at least ${5 * MiB}; default: the server's)
  --state-dir DIR            resume state (default $XDG_CACHE_HOME/pixelfront or ~/.cache/pixelfront)
  --json                     print the summary as JSON on stdout
  -h, --help                 this text`;

export class UsageError extends Error {}

/** Parses `upload …` arguments; throws UsageError with a message for the user. */
export function parseUploadArgs(argv: string[], env: Record<string, string | undefined> = process.env): UploadOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      endpoint: { type: 'string' },
      key: { type: 'string' },
      eager: { type: 'string' },
      concurrency: { type: 'string' },
      json: { type: 'boolean', default: false },
      'multipart-threshold': { type: 'string' },
      'part-size': { type: 'string' },
      'state-dir': { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new UsageError('name at least one file or folder to upload');
  const endpoint = (values.endpoint ?? env['PIXELFRONT_ENDPOINT'] ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(endpoint)) throw new UsageError(`--endpoint must be an http(s) URL, got "${endpoint}"`);
  const partSize = values['part-size'] === undefined ? undefined : integer('--part-size', values['part-size'], 5 * MiB);
  const cacheHome = env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return {
    paths: positionals,
    endpoint,
    key: values.key ?? env['PIXELFRONT_KEY'],
    eager: values.eager,
    concurrency: values.concurrency === undefined ? 4 : integer('--concurrency', values.concurrency, 1, 64),
    json: values.json,
    multipartThreshold:
      values['multipart-threshold'] === undefined ? 32 * MiB : integer('--multipart-threshold', values['multipart-threshold'], 0),
    partSize,
    stateDir: values['state-dir'] ?? join(cacheHome, 'pixelfront'),
  };
}

function integer(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw new UsageError(`${flag} must be an integer ${min}…${max}, got "${raw}"`);
  return value;
}
