/** The latest value per point: seeding, merging, older samples ignored, one version bump per frame, the stream followed and left. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRoot } from 'solid-js';
import type { StreamFilter } from '../api/client.ts';
import type { StreamSample } from '../api/types.ts';
import type { LiveSubscription } from './liveStream.ts';

const subscriptions: Array<{ filter: StreamFilter; subscription: LiveSubscription; open: boolean }> = [];
vi.mock('./liveStream.ts', () => ({
  subscribeLive: (filter: StreamFilter, subscription: LiveSubscription) => {
    const entry = { filter, subscription, open: true };
    subscriptions.push(entry);
    return () => { entry.open = false; };
  },
}));

const { createLatestValues, LatestValues } = await import('./latestValues.ts');

const T0 = Date.parse('2026-01-10T03:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const sample = (point: string, atMs: number, value: number | null, quality = 'ok'): StreamSample => ({ point, ts: iso(atMs), value, quality });

describe('LatestValues', () => {
  it('seeds from a snapshot, replacing what it held', () => {
    const v = new LatestValues();
    v.seed([{ key: 'a', value: 1, ts: iso(T0), quality: 'ok', unit: 'kW' }, { key: 'b', value: null, ts: null, quality: null }]);
    expect(v.get('a')).toEqual({ value: 1, quality: 'ok', tsMs: T0, unit: 'kW', lastValue: 1, lastValueMs: T0 });
    expect(v.get('b')?.tsMs).toBeNaN();
    v.seed([{ key: 'c', value: 3, ts: iso(T0), quality: 'ok' }]);
    expect([...v.keys()]).toEqual(['c']);
  });

  it('applies newer samples of held points only; an older sample never overwrites a newer one', () => {
    const v = new LatestValues();
    v.seed([{ key: 'a', value: 1, ts: iso(T0), quality: 'ok' }, { key: 'never', value: null, ts: null, quality: null }]);
    expect(v.apply([sample('a', T0 + 1_000, 2)])).toBe(true);
    expect(v.apply([sample('a', T0 - 1_000, 9)])).toBe(false);
    expect(v.apply([sample('other', T0 + 1_000, 5)])).toBe(false);
    expect(v.apply([sample('a', T0 + 1_000, 2)])).toBe(false); // the same sample again changes nothing
    expect(v.apply([sample('never', T0, 7)])).toBe(true); // a point seeded without a time takes any sample
    expect(v.get('a')?.value).toBe(2);
    expect(v.get('never')?.value).toBe(7);
    expect(v.has('other')).toBe(false);
  });

  it('takes the points `accept` names, known or not', () => {
    const v = new LatestValues();
    expect(v.apply([sample('x', T0, 4), sample('y', T0, 5)], (p) => p === 'x')).toBe(true);
    expect(v.get('x')?.value).toBe(4);
    expect(v.has('y')).toBe(false);
  });

  it('merges a snapshot without losing a newer value already held', () => {
    const v = new LatestValues();
    v.apply([sample('a', T0 + 5_000, 50)], () => true);
    expect(v.merge([{ key: 'a', value: 10, ts: iso(T0), quality: 'ok' }, { key: 'b', value: 20, ts: iso(T0), quality: 'ok' }])).toBe(1);
    expect(v.get('a')?.value).toBe(50);
    expect(v.get('b')?.value).toBe(20);
    // A snapshot that has no sample for a point (ts null) does not wipe the live value held for it.
    expect(v.merge([{ key: 'a', value: null, ts: null, quality: null }])).toBe(0);
    expect(v.get('a')?.value).toBe(50);
  });

  it('remembers the last value and when, through samples without one', () => {
    const v = new LatestValues({ sampleValue: (s) => (s.quality === 'comm_loss' ? null : s.value) });
    v.seed([
      { key: 'a', value: 100, ts: iso(T0), quality: 'ok' },
      { key: 'b', value: null, ts: iso(T0), quality: 'comm_loss', lastValue: 7, lastValueTs: iso(T0 - 10_000) },
    ]);
    v.apply([sample('a', T0 + 1_000, 123, 'comm_loss')]);
    expect(v.get('a')).toMatchObject({ value: null, quality: 'comm_loss', tsMs: T0 + 1_000, lastValue: 100, lastValueMs: T0 });
    expect(v.get('b')).toMatchObject({ value: null, lastValue: 7, lastValueMs: T0 - 10_000 });
  });

  it('sums the values it has; null when none has one', () => {
    const v = new LatestValues();
    v.seed([{ key: 'a', value: 1.5, ts: iso(T0), quality: 'ok' }, { key: 'b', value: null, ts: iso(T0), quality: 'comm_loss' }]);
    expect(v.sum(['a', 'b', 'c'])).toBe(1.5);
    expect(v.sum(['b', 'c'])).toBeNull();
  });
});

describe('createLatestValues', () => {
  let frames: Array<() => void>;
  beforeEach(() => {
    frames = [];
    subscriptions.length = 0;
    vi.stubGlobal('requestAnimationFrame', (cb: () => void) => frames.push(cb));
    vi.stubGlobal('cancelAnimationFrame', (id: number) => { frames[id - 1] = () => {}; });
  });
  afterEach(() => vi.unstubAllGlobals());
  const runFrames = () => { const due = frames; frames = []; due.forEach((f) => f()); };

  it('bumps the version at once on a seed and at most once per frame on stream samples', () => {
    createRoot((dispose) => {
      const live = createLatestValues();
      live.seed([{ key: 'a', value: 1, ts: iso(T0), quality: 'ok' }]);
      expect(live.version()).toBe(1);
      live.apply([sample('a', T0 + 1_000, 2)]);
      live.apply([sample('a', T0 + 2_000, 3)]);
      live.apply([sample('a', T0 - 1_000, 0)]);
      expect(frames).toHaveLength(1);
      expect(live.version()).toBe(1);
      runFrames();
      expect(live.version()).toBe(2);
      expect(live.get('a')?.value).toBe(3);
      live.apply([sample('a', T0 - 5_000, 0)]); // nothing changed: no frame
      expect(frames).toHaveLength(0);
      dispose();
    });
  });

  it('follows the stream, keeps one subscription for the same filter, and leaves it on cleanup', () => {
    const resumed = vi.fn();
    const dispose = createRoot((d) => {
      const live = createLatestValues();
      live.seed([{ key: 'a', value: 1, ts: iso(T0), quality: 'ok' }]);
      live.follow({ points: ['a', 'b'] }, { onResumed: resumed });
      live.follow({ points: ['b', 'a'] }, { accept: (p) => p === 'b', onResumed: resumed });
      expect(subscriptions).toHaveLength(1);
      subscriptions[0].subscription.onSamples([sample('a', T0 + 1_000, 9), sample('b', T0 + 1_000, 4)]);
      expect(live.values.get('a')?.value).toBe(1); // the latest options apply: only b is accepted
      expect(live.values.get('b')?.value).toBe(4);
      subscriptions[0].subscription.onResumed?.();
      expect(resumed).toHaveBeenCalledOnce();
      live.follow({ devices: ['d'] });
      expect(subscriptions.map((s) => s.open)).toEqual([false, true]);
      live.follow({});
      expect(subscriptions.map((s) => s.open)).toEqual([false, false]);
      live.follow({ locations: ['room'] });
      live.apply([sample('b', T0 + 2_000, 5)]);
      return d;
    });
    expect(frames).toHaveLength(1);
    dispose();
    expect(subscriptions.map((s) => s.open)).toEqual([false, false, false]);
    expect(frames).toHaveLength(1); // the pending frame was cancelled: running it is a no-op
  });
});
