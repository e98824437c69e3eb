import { describe, expect, it } from 'vitest';
import { runInLogScope } from './log-scope.ts';
import { createLogger } from './logger.ts';

function captured(level: Parameters<typeof createLogger>[0]) {
  const lines: string[] = [];
  return { lines, logger: createLogger(level, (line) => lines.push(line)) };
}

describe('logger', () => {
  it('writes one JSON line per call: ISO time, the level by name, msg and the fields', () => {
    const { lines, logger } = captured('info');
    logger.info('listening', { url: 'http://127.0.0.1:8080' });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(line).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      msg: 'listening',
      url: 'http://127.0.0.1:8080',
    });
    expect(lines[0]).not.toContain('\n');
  });

  it('drops lines below LOG_LEVEL, and all of them when silent', () => {
    const warn = captured('warn');
    warn.logger.debug('d');
    warn.logger.info('i');
    warn.logger.warn('w');
    warn.logger.error('e');
    expect(warn.lines.map((line) => (JSON.parse(line) as { level: string }).level)).toEqual(['warn', 'error']);
    const silent = captured('silent');
    silent.logger.error('e');
    expect(silent.lines).toEqual([]);
  });

  it('adds the ids of the current scope to every line, across awaits, and nothing outside it', async () => {
    const { lines, logger } = captured('debug');
    await runInLogScope({ requestId: 'req-1' }, async () => {
      logger.debug('before');
      await new Promise((resolve) => setTimeout(resolve, 5));
      logger.warn('after an await', { key: 'variants/x' });
    });
    runInLogScope({ jobId: 'job-1', batchId: 'b_1', access: { route: '/x', tenant: 't' } }, () => logger.info('in a job'));
    logger.info('outside');
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed[0]).toMatchObject({ requestId: 'req-1', msg: 'before' });
    expect(parsed[1]).toMatchObject({ requestId: 'req-1', msg: 'after an await', key: 'variants/x' });
    expect(parsed[2]).toMatchObject({ jobId: 'job-1', batchId: 'b_1', msg: 'in a job' });
    // The access notes are for the request's access line, not every line.
    expect(parsed[2]).not.toHaveProperty('access');
    expect(parsed[3]).not.toHaveProperty('requestId');
    expect(parsed[3]).not.toHaveProperty('jobId');
  });

  it('writes to any pino destination stream', () => {
    const chunks: string[] = [];
    createLogger('info', { write: (chunk: string) => chunks.push(chunk) }).info('to a stream');
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatch(/"msg":"to a stream"\}\n$/);
  });
});
