import { CoalescingLoop } from './coalescing-loop';

describe('CoalescingLoop', () => {
  it('runs one pass at a time and one more pass for any number of kicks during a pass', async () => {
    let release!: () => void;
    let passes = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const loop = new CoalescingLoop(async () => {
      passes++;
      maxConcurrent = Math.max(maxConcurrent, ++concurrent);
      await new Promise<void>((r) => (release = r));
      concurrent--;
    }, () => undefined);
    loop.kick();
    loop.kick();
    loop.kick();
    expect(passes).toBe(1);
    release();
    await new Promise((r) => setImmediate(r));
    expect(passes).toBe(2);
    release();
    await new Promise((r) => setImmediate(r));
    expect([passes, maxConcurrent]).toEqual([2, 1]);
  });

  it('reports a failed pass and keeps working', async () => {
    const errors: string[] = [];
    let passes = 0;
    const loop = new CoalescingLoop(async () => {
      if (++passes === 1) throw new Error('database down');
    }, (err) => errors.push(err.message));
    loop.kick();
    await new Promise((r) => setImmediate(r));
    loop.kick();
    await new Promise((r) => setImmediate(r));
    expect([errors, passes]).toEqual([['database down'], 2]);
  });
});
