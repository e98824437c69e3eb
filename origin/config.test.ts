import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('runs on embedded defaults', () => {
    const config = loadConfig({ DATA_DIR: '/srv/pf' });
    expect(config.port).toBe(8080);
    expect(config.storageUrl).toBe('file:///srv/pf/objects');
    expect(config.databaseUrl).toBe('sqlite:///srv/pf/catalog.db');
    expect(config.apiKeys).toBeUndefined();
    expect(config.signedUrls).toBe('off');
    expect(config.maxUploadBytes).toBe(104857600);
    expect(config.maxInputPixels).toBe(100_000_000);
    // Issue 20: twice the cores in flight, within a 512 MiB budget of estimated working sets.
    expect(config.renderConcurrency).toBe(2 * availableParallelism());
    expect(config.renderMemoryBytes).toBe(512 * 1024 * 1024);
    expect(loadConfig({ RENDER_MEMORY_MB: '64' }).renderMemoryBytes).toBe(64 * 1024 * 1024);
    expect(problemsOf({ RENDER_MEMORY_MB: '0' })).toHaveLength(1);
  });

  it('reads JPEG_PROGRESSIVE and AUTO_WIDTH_STEP (issue 19), naming a bad value', () => {
    expect(loadConfig({})).toMatchObject({ jpegProgressive: false, autoWidthStep: 100 });
    expect(loadConfig({ JPEG_PROGRESSIVE: 'true', AUTO_WIDTH_STEP: '64' })).toMatchObject({ jpegProgressive: true, autoWidthStep: 64 });
    expect(problemsOf({ JPEG_PROGRESSIVE: 'maybe' })).toEqual([expect.stringMatching(/^JPEG_PROGRESSIVE: /)]);
    for (const step of ['0', '1.5', 'wide', '20000']) {
      expect(problemsOf({ AUTO_WIDTH_STEP: step }), step).toEqual([expect.stringMatching(/^AUTO_WIDTH_STEP: /)]);
    }
  });

  it('logs at info with access lines unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({ logLevel: 'info', logAccess: true });
    expect(loadConfig({ LOG_LEVEL: 'warn', LOG_ACCESS: 'false' })).toMatchObject({ logLevel: 'warn', logAccess: false });
    expect(problemsOf({ LOG_ACCESS: 'off' })).toHaveLength(1);
    expect(problemsOf({ LOG_LEVEL: 'verbose' })).toHaveLength(1);
  });

  it('parses keys, lists and backends', () => {
    const config = loadConfig({
      API_KEYS: 'acme:secret-one-1, globex:secret-two-2',
      SIGNING_KEYS: 'k1-secret,k2-secret',
      SIGNED_URLS: 'required',
      PUBLIC_PRESETS: 'thumb, card',
      STORAGE_URL: 's3://bucket/prefix',
      S3_FORCE_PATH_STYLE: 'true',
      DATABASE_URL: 'postgres://u@127.0.0.1/db',
    });
    expect(config.apiKeys?.get('secret-two-2')).toBe('globex');
    expect(config.signingKeys).toEqual(['k1-secret', 'k2-secret']);
    expect(config.publicPresets).toEqual(['thumb', 'card']);
    expect(config.s3.forcePathStyle).toBe(true);
  });

  it('reports one line per problem', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      MAX_UPLOAD_BYTES: '-1',
      SIGNED_URLS: 'maybe',
      STORAGE_URL: 'ftp://x',
      API_KEYS: 'nocolon',
    });
    expect(problems).toHaveLength(5);
    expect(problems.find((line) => line.startsWith('PORT:'))).toBeDefined();
    expect(problems.find((line) => line.startsWith('STORAGE_URL:'))).toContain('file://');
    expect(problems.find((line) => line.startsWith('API_KEYS:'))).toContain('tenant:key');
  });

  it('reads ADMIN_KEYS as name:key and refuses a key that is also a tenant key', () => {
    expect(loadConfig({ ADMIN_KEYS: 'ops:admin-secret-1' }).adminKeys).toEqual(new Map([['admin-secret-1', 'ops']]));
    expect(loadConfig({}).adminKeys.size).toBe(0);
    expect(problemsOf({ ADMIN_KEYS: 'ops' })).toEqual([expect.stringMatching(/^ADMIN_KEYS: .*must be name:key/)]);
    expect(problemsOf({ API_KEYS: 'acme:shared-key-1', ADMIN_KEYS: 'ops:shared-key-1' })).toEqual([
      'ADMIN_KEYS: the key of admin "ops" is also in API_KEYS',
    ]);
  });

  it('needs signing keys when signatures are required', () => {
    expect(problemsOf({ SIGNED_URLS: 'required' })).toEqual(['SIGNING_KEYS: required when SIGNED_URLS=required']);
  });
});
