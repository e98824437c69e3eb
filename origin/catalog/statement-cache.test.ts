import SqliteDatabase from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { withStatementCache } from './statement-cache.ts';

describe('withStatementCache', () => {
  const database = new SqliteDatabase(':memory:');
  afterEach(() => database.exec('DROP TABLE IF EXISTS t'));

  it('prepares a statement once per SQL text and reuses it with other parameters', () => {
    database.exec('CREATE TABLE t (n INTEGER)');
    const cached = withStatementCache(database);
    const insert = cached.prepare('INSERT INTO t (n) VALUES (?)');
    insert.run([1]);
    expect(cached.prepare('INSERT INTO t (n) VALUES (?)')).toBe(insert);
    cached.prepare('INSERT INTO t (n) VALUES (?)').run([2]);
    expect(cached.prepare('SELECT n FROM t ORDER BY n').all([])).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('prepares a fresh statement while the cached one is still being iterated', () => {
    database.exec('CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2)');
    const cached = withStatementCache(database);
    const select = cached.prepare('SELECT n FROM t ORDER BY n');
    const open = select.iterate([]);
    expect(open.next().value).toEqual({ n: 1 });
    const second = cached.prepare('SELECT n FROM t ORDER BY n');
    expect(second).not.toBe(select);
    expect(second.all([])).toEqual([{ n: 1 }, { n: 2 }]);
    open.return?.();
  });

  it('keeps at most `max` statements', () => {
    database.exec('CREATE TABLE t (n INTEGER)');
    const cached = withStatementCache(database, 2);
    const first = cached.prepare('SELECT 1 FROM t');
    cached.prepare('SELECT 2 FROM t');
    cached.prepare('SELECT 3 FROM t');
    expect(cached.prepare('SELECT 1 FROM t')).not.toBe(first);
  });
});
