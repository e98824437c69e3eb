/**
 * Estimates the CPU time of each render. libvips works on its own threads and reports no time per
 * operation, so the process's CPU time (all threads, `process.cpuUsage`) is read whenever a render
 * starts or ends and what was used in between is shared equally among the renders then in flight.
 * Work that is not a render but runs at the same time (other requests' JavaScript, uploads) is
 * counted into the renders: an upper-bound estimate, exact for a render running alone on an idle
 * process.
 */
export class RenderCpuMeter {
  private inFlight = 0;
  /** Microseconds of CPU each render in flight has been given since this meter started. */
  private perRender = 0;
  private last: NodeJS.CpuUsage;

  /** `readCpu` is the process's CPU clock; a test passes its own. */
  constructor(private readonly readCpu: () => NodeJS.CpuUsage = () => process.cpuUsage()) {
    this.last = readCpu();
  }

  /** Runs one render; resolves with its result and its estimated CPU time in microseconds. */
  async measure<T>(render: () => Promise<T>): Promise<{ result: T; cpuUs: number }> {
    this.advance();
    this.inFlight += 1;
    const start = this.perRender;
    let result: T;
    try {
      result = await render();
    } finally {
      this.advance();
      this.inFlight -= 1;
    }
    return { result, cpuUs: this.perRender - start };
  }

  private advance(): void {
    const now = this.readCpu();
    const used = now.user - this.last.user + (now.system - this.last.system);
    this.last = now;
    if (this.inFlight > 0) this.perRender += used / this.inFlight;
  }
}
