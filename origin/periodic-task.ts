import type { Logger } from './logger.ts';

export interface PeriodicTask {
  /** Stops the timer and waits for a run in progress, so none runs on closed backends. */
  stop(): Promise<void>;
}

/**
 * Runs `run` every `intervalMs` on an unref'd timer (it never keeps the process alive), one run
 * at a time; a failed run is logged and the next one tries again.
 */
export function startPeriodic(name: string, run: () => Promise<void>, intervalMs: number, logger: Logger): PeriodicTask {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = run()
      .catch((error: unknown) => {
        logger.warn(`${name} failed; will retry`, { error: String(error) });
      })
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
