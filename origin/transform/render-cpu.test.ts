import { describe, expect, it } from 'vitest';
import { RenderCpuMeter } from './render-cpu.ts';

/** A CPU clock the test moves by hand: `spend(us)` is CPU time the process used meanwhile. */
function fakeCpu() {
  let used = 0;
  return {
    read: () => ({ user: used, system: 0 }),
    spend: (us: number) => {
      used += us;
    },
  };
}

/** A render that stays in flight until its `finish` is called. */
function pending() {
  let finish: () => void = () => undefined;
  const done = new Promise<string>((resolve) => (finish = () => resolve('rendered')));
  return { render: () => done, finish: () => finish() };
}

describe('render CPU time', () => {
  it('gives a render alone all the CPU used while it runs, and nobody what is used between renders', async () => {
    const cpu = fakeCpu();
    const meter = new RenderCpuMeter(cpu.read);
    cpu.spend(9_000); // before any render: no one's
    const one = pending();
    const running = meter.measure(one.render);
    cpu.spend(5_000);
    one.finish();
    expect(await running).toEqual({ result: 'rendered', cpuUs: 5_000 });
    cpu.spend(7_000);
    const two = pending();
    const next = meter.measure(two.render);
    cpu.spend(1_000);
    two.finish();
    expect((await next).cpuUs).toBe(1_000);
  });

  it('shares the CPU used while renders overlap equally among them', async () => {
    const cpu = fakeCpu();
    const meter = new RenderCpuMeter(cpu.read);
    const a = pending();
    const b = pending();
    const first = meter.measure(a.render);
    cpu.spend(2_000); // a alone
    const second = meter.measure(b.render);
    cpu.spend(4_000); // a and b: 2,000 each
    a.finish();
    expect((await first).cpuUs).toBe(4_000);
    cpu.spend(1_000); // b alone
    b.finish();
    expect((await second).cpuUs).toBe(3_000);
  });

  it('counts user and system time, and a failed render leaves the renders in flight', async () => {
    let user = 0;
    let system = 0;
    const meter = new RenderCpuMeter(() => ({ user, system }));
    await expect(
      meter.measure(() => {
        user += 500;
        system += 500;
        return Promise.reject(new Error('decode failed'));
      }),
    ).rejects.toThrow('decode failed');
    // Had the failure stayed "in flight", this render would get only half.
    const result = await meter.measure(() => {
      user += 3_000;
      system += 1_000;
      return Promise.resolve(1);
    });
    expect(result.cpuUs).toBe(4_000);
  });
});
