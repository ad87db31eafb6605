/**
 * In-process fan-out of committed samples to live subscribers (SSE). Fan-out across server replicas through
 * Postgres LISTEN/NOTIFY arrives with the time-series store issue; this is the seam it plugs into.
 */
export interface LiveSample { point: string; ts: string; value: number | null; quality: string }
type Listener = (samples: LiveSample[]) => void;
/** A committed event (trap, inform), as the SSE stream sends it. */
export interface LiveEvent {
  eventId: string; device: string; ts: string; source: string; name: string; severity: string; message: string;
  attributes: Record<string, unknown>;
}
type EventListener = (events: LiveEvent[]) => void;

/** One kind of message: listeners added and removed, and each published list delivered to all of them. */
class Fanout<T> {
  readonly listeners = new Set<(items: T[]) => void>();

  subscribe(listener: (items: T[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(items: T[]): void {
    if (items.length === 0) return;
    for (const l of this.listeners) {
      try { l(items); } catch { /* a broken subscriber must not affect ingest */ }
    }
  }
}

export class LiveBus {
  private samples = new Fanout<LiveSample>();
  private events = new Fanout<LiveEvent>();

  subscribe(listener: Listener): () => void { return this.samples.subscribe(listener); }
  publish(samples: LiveSample[]): void { this.samples.publish(samples); }
  subscribeEvents(listener: EventListener): () => void { return this.events.subscribe(listener); }
  publishEvents(events: LiveEvent[]): void { this.events.publish(events); }

  get subscriberCount(): number { return this.samples.listeners.size; }
}
