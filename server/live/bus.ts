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

export class LiveBus {
  private listeners = new Set<Listener>();
  private eventListeners = new Set<EventListener>();

  subscribeEvents(listener: EventListener): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  publishEvents(events: LiveEvent[]): void {
    if (events.length === 0) return;
    for (const l of this.eventListeners) {
      try { l(events); } catch { /* a broken subscriber must not affect ingest */ }
    }
  }

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
