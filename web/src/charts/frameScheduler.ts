/**
 * Coalesces many "data changed" notifications (one per SSE message) into at most one call of `draw` per
 * animation frame. It never loops on its own: no data, no frames.
 */
export interface FrameScheduler {
  schedule(): void;
  /** Runs a pending draw now (e.g. right after the chart is created). */
  flush(): void;
  cancel(): void;
}

export function createFrameScheduler(draw: () => void): FrameScheduler {
  let frame: number | undefined;
  const run = () => {
    frame = undefined;
    draw();
  };
  return {
    schedule() {
      if (frame === undefined) frame = requestAnimationFrame(run);
    },
    flush() {
      if (frame !== undefined) cancelAnimationFrame(frame);
      run();
    },
    cancel() {
      if (frame !== undefined) cancelAnimationFrame(frame);
      frame = undefined;
    },
  };
}
