import { describe, expect, it } from 'vitest';
import { PollScheduler } from './scheduler.ts';

describe('poll scheduler', () => {
  it('gives each target its own timer: a slow poll never delays another target', async () => {
    const fastRuns: number[] = [];
    let slowRuns = 0;
    const overruns: string[] = [];
    const scheduler = new PollScheduler([
      { id: 'slow', intervalMs: 100, run: async () => { slowRuns++; await new Promise((r) => setTimeout(r, 350)); } },
      { id: 'fast', intervalMs: 50, run: async () => { fastRuns.push(Date.now()); } },
    ], { onOverrun: (id) => overruns.push(id) });
    scheduler.start();
    await new Promise((r) => setTimeout(r, 600));
    await scheduler.stop();
    expect(fastRuns.length).toBeGreaterThanOrEqual(8);
    const gaps = fastRuns.slice(1).map((t, i) => t - fastRuns[i]);
    expect(Math.max(...gaps)).toBeLessThan(150);
    // the slow job skipped slots instead of queueing them up
    expect(slowRuns).toBeLessThanOrEqual(3);
    expect(overruns).toContain('slow');
  });

  it('aborts a poll at its deadline (one interval) and on stop', async () => {
    const reasons: string[] = [];
    const scheduler = new PollScheduler([{
      id: 'hang',
      intervalMs: 80,
      run: (signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => { reasons.push(String((signal.reason as Error)?.name)); resolve(); })),
    }]);
    scheduler.start();
    await new Promise((r) => setTimeout(r, 200));
    const stopping = Date.now();
    await scheduler.stop();
    expect(Date.now() - stopping).toBeLessThan(100);
    expect(reasons).toContain('TimeoutError');
    expect(reasons.at(-1)).toBe('AbortError');
  });
});
