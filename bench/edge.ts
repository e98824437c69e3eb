import { join } from 'node:path';
import { unstable_startWorker } from 'wrangler';
import { repoRoot } from './processes.ts';

export interface EdgeWorker {
  url: string;
  dispose(): Promise<void>;
}

/** The edge Worker (wrangler.toml, edge/index.ts in workerd) with ORIGIN_URL pointing at `origin`. */
export async function startEdge(origin: string): Promise<EdgeWorker> {
  process.env['WRANGLER_SEND_METRICS'] = 'false';
  process.env['CLOUDFLARE_CF_FETCH_ENABLED'] = 'false';
  const worker = await unstable_startWorker({
    config: join(repoRoot, 'wrangler.toml'),
    bindings: { ORIGIN_URL: { type: 'plain_text', value: origin } },
    dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, watch: false, persist: false, logLevel: 'warn' },
  });
  await worker.ready;
  const url = (await worker.url).origin;
  return { url, dispose: () => worker.dispose() };
}
