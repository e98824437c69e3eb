import { loadConfig, type Config } from '../../origin/config.ts';

/** A config for tests: defaults plus overrides, silent, without reading process.env. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', ...overrides });
}
