/**
 * Fan-out of committed samples and events to live subscribers (SSE streams) of this server process.
 *
 * Every delivered message gets a sequence number of this bus (`epoch:seq` is the SSE event id) and is kept
 * in a short in-memory replay window, so a stream that reconnects with Last-Event-ID to the same replica
 * misses nothing. Across replicas, `relay` (set by server/live/pg-relay.ts on PostgreSQL) forwards what
 * this replica committed through NOTIFY, and the relay's LISTEN side hands other replicas' commits to
 * `deliver`, which fans out locally without relaying again.
 */
import { randomBytes } from 'node:crypto';
import type { StreamSession } from './stream-session.ts';

export interface LiveSample { point: string; ts: string; value: number | null; quality: string }
type Listener = (samples: LiveSample[]) => void;
/** A committed event (trap, inform), as the SSE stream sends it. */
export interface LiveEvent {
  eventId: string; device: string; ts: string; source: string; name: string; severity: string; message: string;
  attributes: Record<string, unknown>;
}
type EventListener = (events: LiveEvent[]) => void;

export type LiveMessage = { kind: 'samples'; items: LiveSample[] } | { kind: 'events'; items: LiveEvent[] };
/** Something every open stream should tell its client, e.g. the cross-replica feed was interrupted. */
export interface LiveNotice { code: string; message: string }
export interface Sequenced { seq: number; msg: LiveMessage }

/** One kind of message: listeners added and removed, and each published item delivered to all of them. */
class Fanout<T> {
  readonly listeners = new Set<(item: T) => void>();

  subscribe(listener: (item: T) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  publish(item: T): void {
    for (const l of this.listeners) {
      try { l(item); } catch { /* a broken subscriber must not affect ingest */ }
    }
  }
}

/** Replay window: the last REPLAY_MAX_ITEMS samples/events, and nothing older than REPLAY_MAX_MS. */
export const REPLAY_MAX_ITEMS = 20_000;
export const REPLAY_MAX_MS = 60_000;

export class LiveBus {
  /** Names this bus's sequence space: an SSE id from another process (or replica) is not resumable here. */
  readonly epoch = randomBytes(6).toString('base64url');
  private seq = 0;
  private ring: Array<Sequenced & { at: number; n: number }> = [];
  private ringItems = 0;
  private readonly messages = new Fanout<Sequenced>();
  private readonly notices = new Fanout<LiveNotice>();
  /** Forwards this replica's commits to the other replicas (NOTIFY); unset = single process. */
  relay?: (msg: LiveMessage) => void;
  /**
   * Set by the relay: announces to the other replicas that this one has live streams (they relay only then).
   * A stream awaits it before it reports ready.
   */
  watch?: () => Promise<void>;
  /** Messages at or before this seq may lack other replicas' commits: resuming from there is a gap. */
  private replayFloor = -1;
  /** Observes this replica's commits (metrics: ingest lag). */
  onCommitted?: (samples: LiveSample[], newestMs?: number) => void;
  /** Open SSE streams of this process by id, for subscription changes (server/live/stream-session.ts). */
  readonly streams = new Map<string, StreamSession>();

  /** Samples committed by this replica: delivered here and relayed to the others. `newestMs`: their newest ts, if known. */
  publish(samples: LiveSample[], newestMs?: number): void {
    if (samples.length === 0) return;
    try { this.onCommitted?.(samples, newestMs); } catch { /* metrics must not affect ingest */ }
    this.send({ kind: 'samples', items: samples });
  }

  publishEvents(events: LiveEvent[]): void {
    if (events.length === 0) return;
    this.send({ kind: 'events', items: events });
  }

  /** A message committed on another replica: delivered to this process's subscribers only. */
  deliver(msg: LiveMessage): void {
    if (msg.items.length === 0) return;
    const seq = ++this.seq;
    const now = Date.now();
    this.ring.push({ seq, msg, at: now, n: msg.items.length });
    this.ringItems += msg.items.length;
    while (this.ring.length > 1 && (this.ringItems > REPLAY_MAX_ITEMS || now - this.ring[0].at > REPLAY_MAX_MS)) {
      this.ringItems -= this.ring.shift()!.n;
    }
    this.messages.publish({ seq, msg });
  }

  /**
   * Messages after `seq`, oldest first; undefined when the window no longer reaches back that far (the caller
   * must tell its client that it missed data).
   */
  since(seq: number): Sequenced[] | undefined {
    if (seq > this.seq || seq <= this.replayFloor) return undefined;
    if (seq === this.seq) return [];
    const first = this.ring[0];
    if (!first || first.seq > seq + 1) return undefined;
    return this.ring.filter((m) => m.seq > seq).map(({ seq: s, msg }) => ({ seq: s, msg }));
  }

  get lastSeq(): number { return this.seq; }

  /** Empties the replay window: no stream may resume from a point before now (see `watch`). */
  forgetReplay(): void {
    this.replayFloor = this.seq;
    this.ring = [];
    this.ringItems = 0;
  }

  /** Every message with its sequence number (SSE streams). */
  subscribeMessages(listener: (m: Sequenced) => void): () => void { return this.messages.subscribe(listener); }
  subscribe(listener: Listener): () => void {
    return this.messages.subscribe(({ msg }) => { if (msg.kind === 'samples') listener(msg.items); });
  }
  subscribeEvents(listener: EventListener): () => void {
    return this.messages.subscribe(({ msg }) => { if (msg.kind === 'events') listener(msg.items); });
  }
  subscribeNotices(listener: (n: LiveNotice) => void): () => void { return this.notices.subscribe(listener); }
  notice(n: LiveNotice): void { this.notices.publish(n); }

  /** Open live (SSE) streams. */
  get subscriberCount(): number { return this.streams.size; }

  private send(msg: LiveMessage): void {
    try { this.relay?.(msg); } catch { /* the relay counts its own failures */ }
    this.deliver(msg);
  }
}
