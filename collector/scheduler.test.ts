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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Deterministic "random": always the same value, so phases and jitter are known. */
const fixed = (x: number) => () => x;

describe('poll scheduler: backoff of dead targets', () => {
  it('after N failures tries the network every 2, 4 … intervals, but records every slot via skip()', async () => {
    const events: string[] = [];
    const backoffs: number[] = [];
    let answering = false;
    const scheduler = new PollScheduler([{
      id: 'dead',
      intervalMs: 40,
      run: async () => { events.push('poll'); return answering ? 'ok' : 'failed'; },
      skip: ({ reason }) => { events.push(`skip:${reason}`); },
    }], { onBackoff: (_id, info) => backoffs.push(info.everyIntervals) }, { spreadStart: false, phaseJitter: 0, cycleJitter: 0, backoff: { afterFailures: 2, maxIntervalMs: 160 } });
    scheduler.start();
    await sleep(40 * 16);
    // Expected pattern: poll poll | skip poll | skip skip skip poll | (cap 4) skip skip skip poll …
    const head = events.slice(0, 9);
    expect(head).toEqual(['poll', 'poll', 'skip:backoff', 'poll', 'skip:backoff', 'skip:backoff', 'skip:backoff', 'poll', 'skip:backoff']);
    expect(backoffs.slice(0, 3)).toEqual([2, 4, 4]);
    expect(scheduler.jobStats('dead')?.everyIntervals).toBe(4);
    // Every slot produced something: polls + skips ≈ elapsed slots (no silent gap).
    expect(events.length).toBeGreaterThanOrEqual(12);
    // The device answers again: at the next network try it returns to its normal cadence at once.
    answering = true;
    const before = events.length;
    await sleep(40 * 10);
    await scheduler.stop();
    const after = events.slice(before);
    const firstPoll = after.indexOf('poll');
    expect(firstPoll).toBeGreaterThanOrEqual(0);
    expect(firstPoll).toBeLessThanOrEqual(3);
    expect(after.slice(firstPoll).every((e) => e === 'poll')).toBe(true);
    expect(scheduler.stats().inBackoff).toBe(0);
  });

  it('a thrown error counts as a failed poll', async () => {
    const errors: string[] = [];
    let skips = 0;
    const scheduler = new PollScheduler([{
      id: 'throws', intervalMs: 30,
      run: async () => { throw new Error('boom'); },
      skip: () => { skips++; },
    }], { onError: (_id, err) => errors.push((err as Error).message) }, { spreadStart: false, phaseJitter: 0, cycleJitter: 0, backoff: { afterFailures: 1 } });
    scheduler.start();
    await sleep(300);
    await scheduler.stop();
    expect(errors[0]).toBe('boom');
    expect(skips).toBeGreaterThan(0);
    expect(scheduler.stats().failedPolls).toBe(errors.length);
  });
});

describe('poll scheduler: per-protocol concurrency', () => {
  it('never runs more than the limit at once; a poll that gets no slot before its deadline is skipped as no-slot', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const noSlot: string[] = [];
    const polls = new Map<string, number>();
    const hang = (id: string) => ({
      id, intervalMs: 200, protocol: 'snmp',
      run: (signal: AbortSignal) => {
        inFlight++;
        polls.set(id, (polls.get(id) ?? 0) + 1);
        maxInFlight = Math.max(maxInFlight, inFlight);
        return new Promise<'failed'>((resolve) => signal.addEventListener('abort', () => { inFlight--; resolve('failed'); }));
      },
      skip: ({ reason }: { reason: string }) => { if (reason === 'no-slot') noSlot.push(id); },
    });
    const scheduler = new PollScheduler([hang('a'), hang('b'), hang('c')], {}, { concurrency: { snmp: 2 }, spreadStart: false, phaseJitter: 0, cycleJitter: 0, backoff: { afterFailures: 100 } });
    scheduler.start();
    await sleep(200 * 3 + 100);
    await scheduler.stop();
    expect(maxInFlight).toBe(2);
    // Two hold both slots for their whole deadline, so in every slot one of the three gets none, and is
    // recorded as no-slot rather than left out.
    expect(noSlot.length).toBeGreaterThanOrEqual(3);
    for (const id of ['a', 'b', 'c']) expect((polls.get(id) ?? 0) + noSlot.filter((n) => n === id).length).toBeGreaterThanOrEqual(3);
    expect(scheduler.stats().skipped['no-slot']).toBe(noSlot.length);
  });

  it('serves healthy targets before failing ones, so dead devices cannot starve the live ones', async () => {
    const ran: string[] = [];
    let deadPolls = 0;
    const dead = (id: string) => ({
      id, intervalMs: 100, protocol: 'modbus',
      run: async (signal: AbortSignal) => { deadPolls++; ran.push(id); await new Promise((r) => signal.addEventListener('abort', r)); return 'failed' as const; },
    });
    const live = { id: 'live', intervalMs: 100, protocol: 'modbus', run: async () => { ran.push('live'); await sleep(5); return 'ok' as const; } };
    // Four slots shared by ten dead devices (each holding its slot for the whole deadline) and one live
    // one; backoff off (it would help too) to isolate the slot policy.
    const deadIds = Array.from({ length: 10 }, (_, i) => `d${i}`);
    const scheduler = new PollScheduler([...deadIds.map(dead), live], {}, { concurrency: { modbus: 4 }, spreadStart: false, phaseJitter: 0, cycleJitter: 0, backoff: { afterFailures: 1000 } });
    scheduler.start();
    await sleep(1000);
    await scheduler.stop();
    const liveRuns = ran.filter((r) => r === 'live').length;
    // Once the dead ones have failed they may hold only half the slots: the live one runs every interval
    // after the first (which the dead ones, not yet known to fail, may take).
    expect(liveRuns).toBeGreaterThanOrEqual(7);
    expect(deadPolls).toBeGreaterThan(0);
  });

  it('protocols not listed are unlimited and limits are validated', () => {
    expect(() => new PollScheduler([], {}, { concurrency: { snmp: 0 } })).toThrow(/at least 1/);
  });
});

describe('poll scheduler: timing', () => {
  it('spreads the first polls of the start set evenly over the interval', async () => {
    const first = new Map<string, number>();
    const t0 = Date.now();
    const job = (id: string) => ({ id, intervalMs: 400, run: async (_s: AbortSignal, c: { slotAt: number }) => { if (!first.has(id)) first.set(id, c.slotAt); } });
    const scheduler = new PollScheduler(['a', 'b', 'c', 'd'].map(job), {}, { phaseJitter: 0, cycleJitter: 0 });
    scheduler.start();
    await sleep(450);
    await scheduler.stop();
    const offsets = ['a', 'b', 'c', 'd'].map((id) => first.get(id)! - first.get('a')!);
    expect(offsets).toEqual([0, 100, 200, 300]);
    expect(first.get('a')! - t0).toBeLessThan(100);
  });

  it('shifts the start phase with the injected random and keeps slots on the grid (jitter does not accumulate)', async () => {
    const starts: number[] = [];
    const t0 = Date.now();
    let i = 0;
    const seq = [0.9, 0.9, 0.1, 0.9, 0.1, 0.9, 0.1, 0.9, 0.1, 0.9, 0.1];
    const scheduler = new PollScheduler([{ id: 'x', intervalMs: 100, run: async (_s, ctx) => { starts.push(ctx.slotAt); } }], {}, {
      phaseJitter: 0.5, cycleJitter: 0.2, random: () => seq[Math.min(i++, seq.length - 1)],
    });
    scheduler.start();
    await sleep(800);
    await scheduler.stop();
    // phase +0.8 * 0.5 * 100 = 40 ms after start; jitter alternates +16 / -16 ms around the grid 40, 140, 240 …
    expect(starts[0] - t0).toBeGreaterThanOrEqual(40 + 16);
    expect(starts[0] - t0).toBeLessThan(40 + 16 + 200); // generous: a loaded machine may start late
    const offsets = starts.map((s, k) => s - starts[0] - 100 * k);
    expect(offsets.length).toBeGreaterThanOrEqual(5);
    // Exactly on the grid ± jitter, however many slots have passed: no drift.
    expect(offsets).toEqual(offsets.map((_, k) => (k % 2 === 0 ? 0 : -32)));
  });
});

describe('poll scheduler: runtime changes', () => {
  it('add() starts a job on a running scheduler; remove() waits for the in-flight poll', async () => {
    const scheduler = new PollScheduler([], {}, { spreadStart: false, phaseJitter: 0, cycleJitter: 0 });
    scheduler.start();
    let runs = 0;
    let finished = false;
    scheduler.add({ id: 'late', intervalMs: 500, run: async () => { runs++; await sleep(120); finished = true; } });
    expect(() => scheduler.add({ id: 'late', intervalMs: 500, run: async () => {} })).toThrow(/already exists/);
    await sleep(30);
    expect(runs).toBe(1);
    await scheduler.remove('late');
    expect(finished).toBe(true);
    expect(scheduler.has('late')).toBe(false);
    await sleep(600);
    expect(runs).toBe(1);
    await scheduler.remove('unknown');
    await scheduler.stop();
  });

  it('remove({abort: true}) aborts the in-flight poll', async () => {
    const scheduler = new PollScheduler([{ id: 'h', intervalMs: 5000, run: (signal) => new Promise<void>((r) => signal.addEventListener('abort', () => r())) }], {}, { spreadStart: false });
    scheduler.start();
    await sleep(20);
    const t = Date.now();
    await scheduler.remove('h', { abort: true });
    expect(Date.now() - t).toBeLessThan(1000);
    await scheduler.stop();
  });

  it('replace() keeps the phase when the interval is unchanged, and takes a new interval at once', async () => {
    const t0 = Date.now();
    const slotsA: number[] = [];
    const slotsB: number[] = [];
    const slotsC: number[] = [];
    const scheduler = new PollScheduler([{ id: 'd', intervalMs: 100, run: async (_s, c) => { slotsA.push(c.slotAt); } }], {}, { phaseJitter: 0.3, cycleJitter: 0, random: fixed(0.75) });
    scheduler.start();
    await sleep(230);
    await scheduler.replace({ id: 'd', intervalMs: 100, run: async (_s, c) => { slotsB.push(c.slotAt); } });
    await sleep(300);
    // Grid 15, 115, 215 | 315, 415, 515: the replacement continues on the same grid.
    expect(slotsA[0] - t0).toBeGreaterThanOrEqual(15);
    for (const s of [...slotsA, ...slotsB]) expect((s - slotsA[0]) % 100).toBe(0);
    expect(slotsB[0] - slotsA.at(-1)!).toBe(100);
    await scheduler.replace({ id: 'd', intervalMs: 40, run: async (_s, c) => { slotsC.push(c.slotAt); } });
    await sleep(300);
    await scheduler.stop();
    expect(slotsC.length).toBeGreaterThanOrEqual(5);
    expect(scheduler.ids()).toEqual(['d']);
  });
});
