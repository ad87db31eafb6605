/**
 * Chart model: finds missing data in a series that arrives as a sequence of timestamps, so the chart can
 * break the line there instead of drawing a straight segment across an outage.
 *
 * The expected interval comes from the server's rollup resolution (`60s`) when known, else from the
 * median of recent sample spacings. A hole longer than `toleranceFactor` intervals is a gap.
 */

const RECENT_DELTAS = 15;

/** `'60s'` → 60; `'raw'` or anything else → undefined. */
export function parseResolutionSec(resolution: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(resolution);
  return match ? Number(match[1]) : undefined;
}

export class GapTracker {
  private lastTimeSec: number | undefined;
  private readonly recentDeltasSec: number[] = [];

  constructor(
    private fixedIntervalSec: number | undefined = undefined,
    private readonly toleranceFactor = 2.5,
  ) {}

  reset(fixedIntervalSec?: number): void {
    this.fixedIntervalSec = fixedIntervalSec;
    this.lastTimeSec = undefined;
    this.recentDeltasSec.length = 0;
  }

  expectedIntervalSec(): number | undefined {
    if (this.fixedIntervalSec !== undefined) return this.fixedIntervalSec;
    if (this.recentDeltasSec.length < 3) return undefined;
    const sorted = [...this.recentDeltasSec].sort((a, b) => a - b);
    return sorted[sorted.length >> 1];
  }

  /**
   * Notes a sample at `timeSec`. Returns where a gap marker belongs when the sample follows a hole,
   * else undefined. Late (out of order) samples never open a gap.
   */
  observe(timeSec: number): number | undefined {
    const previous = this.lastTimeSec;
    if (previous !== undefined && timeSec <= previous) return undefined;
    this.lastTimeSec = timeSec;
    if (previous === undefined) return undefined;

    const deltaSec = timeSec - previous;
    const expected = this.expectedIntervalSec();
    const isHole = expected !== undefined && deltaSec > expected * this.toleranceFactor;
    if (!isHole) {
      this.recentDeltasSec.push(deltaSec);
      if (this.recentDeltasSec.length > RECENT_DELTAS) this.recentDeltasSec.shift();
      return undefined;
    }
    return previous + expected;
  }
}
