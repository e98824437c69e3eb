import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import pg from 'pg';
import { fail, type PixelfrontError } from '../../core/errors.ts';

export interface PostgresTimeouts {
  /** The server cancels a statement running longer (statement_timeout). */
  queryMs: number;
  /** Opening a connection, or waiting for a free one in the pool, fails after this. */
  connectMs: number;
}

/**
 * How much longer than statement_timeout the client waits for the server's answer before it
 * declares the connection dead: a server that cancelled the statement answers at once, so only a
 * connection that stopped carrying bytes (a partition, a frozen server) reaches it.
 */
const answerGraceMs = 1_000;
// SQLSTATE classes of a connection that is gone or a server going away, and query_canceled
// (statement_timeout): the database is unavailable, the query itself was fine.
const unavailableStates = /^(08|53|57)/;

/**
 * The pg pool behind Kysely, made to survive a database that drops connections or goes silent
 * (issue 14): every client, idle or checked out, has an error handler (an unhandled one would
 * exit the process); statements are bounded on the server and answers on the client; a client
 * whose answer never came is destroyed instead of returned to the pool busy, so the pool replaces
 * it; and a failure of the database reaches the caller as 503 `unavailable`.
 */
export function openPostgresPool(
  url: string,
  options: { timeouts?: PostgresTimeouts; onError?: (error: Error) => void } = {},
): PostgresPool {
  const { timeouts } = options;
  const pool = new pg.Pool({
    connectionString: url,
    // Fail /readyz and start-up quickly instead of hanging on an unreachable server.
    connectionTimeoutMillis: timeouts?.connectMs ?? 5_000,
    ...(timeouts === undefined ? {} : { statement_timeout: timeouts.queryMs, query_timeout: timeouts.queryMs + answerGraceMs }),
    // TCP keep-alive finds idle connections whose peer vanished without a reset.
    keepAlive: true,
    // Epoch-millisecond columns are bigint; they fit a double, so read them as numbers. Per pool,
    // not via pg.types, so other pg users in the process keep their own parsing.
    types: {
      getTypeParser: (oid, format) =>
        oid === pg.types.builtins.INT8 && format !== 'binary'
          ? (value: string) => Number(value)
          : (pg.types.getTypeParser(oid, format) as unknown),
    },
  });
  const report = (error: Error) => options.onError?.(error);
  // An idle client's error reaches the pool; a checked-out client's only the client itself. pg
  // fails the query in flight and the pool discards the client either way, so both only report.
  pool.on('error', report);
  pool.on('connect', (client) => client.on('error', report));

  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect().catch((error: unknown) => {
        throw unavailable(error);
      });
      let dead = false;
      const query = async <R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> => {
        try {
          return (await client.query(sql, [...parameters])) as unknown as PostgresQueryResult<R>;
        } catch (error) {
          if (!isServerError(error)) dead = true;
          throw isServerError(error) && !unavailableStates.test(error.code) ? error : unavailable(error);
        }
      };
      return {
        query: query as PostgresPoolClient['query'],
        // With an error, the pool ends the client (forcibly, if a query still hangs on it).
        release: () => client.release(dead ? new Error('connection stopped answering') : undefined),
      };
    },
    end: () => pool.end(),
  };
}

/** An error the server sent (it has a SQLSTATE): the connection itself is still in step. */
function isServerError(error: unknown): error is Error & { code: string } {
  return error instanceof pg.DatabaseError && typeof error.code === 'string';
}

function unavailable(error: unknown): PixelfrontError {
  const reason = error instanceof Error ? error.message : String(error);
  return fail('unavailable', `the catalog database is unavailable: ${reason}`, { retryAfter: 1, cause: error });
}
