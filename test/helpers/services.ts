import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testConfig } from './config.ts';
import { createLogger } from '../../origin/logger.ts';
import { createServices, type Services } from '../../origin/services.ts';

export interface TestServices extends Services {
  dataDir: string;
  /** Closes the backends and removes their data. */
  destroy(): Promise<void>;
}

/**
 * The origin's real services (catalog, storage, queue, …) on a temp DATA_DIR, without an HTTP
 * server: for tests of one module's functions against real backends. Whole-origin tests that
 * send requests use startTestOrigin (origin.ts) and live in test/.
 */
export async function startTestServices(env: Record<string, string> = {}): Promise<TestServices> {
  const dataDir = env['DATA_DIR'] ?? (await mkdtemp(join(tmpdir(), 'pixelfront-services-')));
  const config = testConfig({ DATA_DIR: dataDir, ...env });
  const services = await createServices(config, createLogger(config.logLevel));
  return Object.assign(services, {
    dataDir,
    async destroy() {
      await services.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  });
}
