import { join } from 'node:path';
import { createCatalog } from './catalog/index.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { backfillPerceptualHashes } from './similarity/backfill.ts';
import { createStorage } from './storage/index.ts';

/**
 * `npm run backfill`: gives images stored before a feature what ingest now computes at upload,
 * reading their originals — today the perceptual hash (migration 0011). Safe to run while origins
 * serve (it only fills null columns) and to run again (hashed images are skipped). The render
 * ladder needs no run: its mezzanines are made on an image's first cold render.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(`config: ${problem}`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  const storage = await createStorage(config);
  const catalog = await createCatalog(config, logger);
  try {
    const report = await backfillPerceptualHashes({ config, storage, catalog, tempDir: join(config.dataDir, 'tmp') }, logger);
    logger.info('backfill done', { perceptualHashes: report });
    console.log(
      `perceptual hashes: ${report.hashed} hashed, ${report.skipped} without one (flat or original missing), ${report.failed} failed`,
    );
    if (report.failed > 0) process.exitCode = 1;
  } finally {
    await catalog.close();
    await storage.close();
  }
}

await main();
