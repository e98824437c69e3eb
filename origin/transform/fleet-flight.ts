import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { failFastRedisOptions, firstConnection } from '../queue/redis-connection.ts';

/**
 * Fleet-wide single flight for cold variants (issue 18): with REDIS_URL, the first replica to miss
 * a variant claims it in Redis (set-if-absent, a short lease and a fencing token); the others wait for
 * the variant to appear in storage instead of rendering it again. The holder renews the lease while
 * it works, so a holder that dies (SIGKILL, a lost node) releases the claim within one lease and
 * the next waiter takes it over. Waiters poll the claim, not storage: the holder releases it only
 * after its write-back settles, and a waiter that then wins the claim looks in storage first.
 * Variants are deterministic, so a late write by a holder that lost its lease is the same bytes,
 * never a conflict; the token makes release and renewal safe.
 */

export type FleetOutcome = 'leader' | 'takeover' | 'follower' | 'timeout' | 'local';

export interface FleetWork<T> {
  /** The variant from storage, if some replica has written it by now. */
  lookup(): Promise<T | undefined>;
  /** Renders here; `stored` settles once the write-back has (true) or has not (false) landed. */
  render(): Promise<{ result: T; stored: Promise<boolean> }>;
}

export interface FleetFlightOptions {
  redisUrl: string;
  prefix: string;
  /** The claim's lifetime without renewal: how long a dead holder blocks the others at most. */
  leaseMs?: number;
  /** How often a waiter asks whether the claim is still held. */
  pollMs?: number;
  /** How long a waiter waits before rendering itself. */
  waitMs: number;
  /** REDIS_COMMAND_TIMEOUT_MS: a connection silent this long is replaced (claims wait far less). */
  connectionTimeoutMs: number;
}

const commandTimeoutMs = 1_000;

// Renew / release only while the lease still carries our token: after a takeover it is someone else's.
const renewScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
// One round trip, and a token is drawn only by the waiter that gets the claim (waiters retry every poll).
const claimScript =
  "if redis.call('exists', KEYS[1]) == 1 then return false end local token = redis.call('incr', KEYS[2]) redis.call('set', KEYS[1], token, 'PX', ARGV[1]) return token";
const releaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export class FleetFlight {
  private readonly redis: Redis;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly connected: () => Promise<void>;

  constructor(
    private readonly options: FleetFlightOptions,
    private readonly logger: Logger,
    private readonly onOutcome: (outcome: FleetOutcome) => void = () => undefined,
  ) {
    this.leaseMs = options.leaseMs ?? 5_000;
    this.pollMs = options.pollMs ?? 50;
    // Fail at once while disconnected: the replica then renders on its own (outcome `local`).
    this.redis = new Redis(options.redisUrl, {
      ...failFastRedisOptions(options.connectionTimeoutMs),
      maxRetriesPerRequest: 0,
      commandTimeout: commandTimeoutMs,
    });
    this.redis.on('error', (error: Error) => this.logger.debug('fleet single flight: redis error', { error: error.message }));
    this.connected = firstConnection(this.redis);
  }

  /** One variant, rendered once in the fleet; falls back to rendering here when Redis cannot say. */
  async run<T>(key: string, work: FleetWork<T>): Promise<{ result: T; stored: Promise<boolean>; outcome: FleetOutcome }> {
    const claimKey = `${this.options.prefix}:flight:${key}`;
    const deadline = Date.now() + this.options.waitMs;
    let waited = false;
    for (;;) {
      let token: string | undefined;
      try {
        token = await this.claim(claimKey);
      } catch {
        return this.finish('local', await work.render());
      }
      if (token !== undefined) {
        // After waiting, the variant may have landed between our last look and this claim (a
        // holder that finished and released): look once more. On the first try the caller has
        // just missed it in storage.
        const late = waited ? await work.lookup() : undefined;
        if (late !== undefined) {
          await this.release(claimKey, token);
          return this.finish('follower', { result: late, stored: Promise.resolve(true) });
        }
        return this.finish(waited ? 'takeover' : 'leader', await this.holding(claimKey, token, work));
      }
      // Storage is read only once the claim is gone, never while the holder may be mid-write: a
      // store whose puts are not atomic (s3rver, some S3-compatible servers) would hand a waiter a
      // partial object. The next claim attempt looks in storage under the claim (`late` above).
      waited = true;
      if (Date.now() > deadline) return this.finish('timeout', await work.render());
      await sleep(this.pollMs);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private finish<T>(outcome: FleetOutcome, rendered: { result: T; stored: Promise<boolean> }) {
    this.onOutcome(outcome);
    return { ...rendered, outcome };
  }

  /** A fencing token (a fleet-wide counter) held in the claim while it lasts; undefined: taken. */
  private async claim(claimKey: string): Promise<string | undefined> {
    await this.connected();
    const token = (await this.redis.eval(claimScript, 2, claimKey, `${this.options.prefix}:flight-token`, String(this.leaseMs))) as
      number | null;
    return token === null ? undefined : String(token);
  }

  /**
   * Renders under the claim and answers as soon as the bytes exist; the claim (renewed meanwhile)
   * is released only once the write-back settles, so a waiter that finds it gone finds the variant.
   */
  private async holding<T>(claimKey: string, token: string, work: FleetWork<T>): Promise<{ result: T; stored: Promise<boolean> }> {
    const renew = setInterval(
      () => {
        this.redis.eval(renewScript, 1, claimKey, token, String(this.leaseMs)).catch(() => undefined);
      },
      Math.max(100, Math.floor(this.leaseMs / 3)),
    );
    const done = () => {
      clearInterval(renew);
      void this.release(claimKey, token);
    };
    try {
      const rendered = await work.render();
      void rendered.stored.finally(done);
      return rendered;
    } catch (error) {
      done();
      throw error;
    }
  }

  private async release(claimKey: string, token: string): Promise<void> {
    // Unreleased, the claim lapses after one lease: waiters find the variant in storage meanwhile.
    await this.redis.eval(releaseScript, 1, claimKey, token).catch(() => undefined);
  }
}
