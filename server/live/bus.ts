/**
 * In-process fan-out of committed samples to live subscribers (SSE). Fan-out across server replicas through
 * Postgres LISTEN/NOTIFY arrives with the time-series store issue; this is the seam it plugs into.
 */
export interface LiveSample { point: string; ts: string; value: number | null; quality: string }
type Listener = (samples: LiveSample[]) => void;

export class LiveBus {
  private listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(samples: LiveSample[]): void {
    if (samples.length === 0) return;
    for (const l of this.listeners) {
      try { l(samples); } catch { /* a broken subscriber must not affect ingest */ }
    }
  }

  get subscriberCount(): number { return this.listeners.size; }
}
