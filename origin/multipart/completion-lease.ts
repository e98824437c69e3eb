import { COMPLETION_LEASE_MS, COMPLETION_RENEW_MS } from './limits.ts';
import type { UploadService } from './upload-service.ts';

export interface HeldLease {
  /** Stops renewing (the completion finished, failed or released the upload). */
  stop(): void;
}

/**
 * Keeps a completion's lease alive while it works: every COMPLETION_RENEW_MS it moves the expiry
 * COMPLETION_LEASE_MS ahead, but only while the row still carries the expiry this holder set. A
 * renewal that finds another expiry on the open upload means another request took over (this
 * one was too slow to renew): it stops, and that request's completion yields the same image
 * (per-tenant dedupe). One that finds the upload completed, aborted or released stops quietly:
 * the completion itself got there first (a renewal falls due while it records its outcome).
 */
export function keepLease(service: UploadService, id: string, leaseUntil: number): HeldLease {
  let held = leaseUntil;
  let stopped = false;
  const renew = async () => {
    const next = service.now() + COMPLETION_LEASE_MS;
    const renewed = await service.store.renewLease(id, held, next, service.now());
    if (stopped) return;
    if (renewed) {
      held = next;
      return;
    }
    stop();
    const now = await service.store.leaseState(id);
    if (now?.state === 'open' && now.lease_until !== null)
      service.services.logger.warn('a multipart completion lost its lease to another request', { uploadId: id });
  };
  const timer = setInterval(() => {
    // A database that does not answer: the lease may run out, and then another request takes over.
    renew().catch((error: unknown) =>
      service.services.logger.warn('could not renew a completion lease', { uploadId: id, error: String(error) }),
    );
  }, COMPLETION_RENEW_MS);
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return { stop };
}
