/**
 * The one live stream of this tab, shared by everything on screen. Each part of a page subscribes with what
 * it shows (points, devices, locations); the hub keeps one SSE connection carrying the union and hands every
 * sample to the subscribers. When the union changes the stream is reopened once per task (a page mounting
 * ten panels opens one stream, not ten); the server's Last-Event-ID resume is not needed for that since the
 * new stream starts with fresh subscriptions and pages refetch on `onResumed`.
 */
import { createSignal } from 'solid-js';
import type { StreamFilter } from '../api/client.ts';
import { openSampleStream, type SampleStream, type StreamState } from '../api/stream.ts';
import type { StreamSample } from '../api/types.ts';
import { sessionStillValid } from './session.ts';

export type ConnectionState = StreamState | 'idle';

const [connectionState, setConnectionState] = createSignal<ConnectionState>('idle');
export { connectionState };

export interface LiveSubscription {
  onSamples(samples: StreamSample[]): void;
  /** Called after the stream resumed from an interruption: refetch what may have been missed. */
  onResumed?(): void;
}

interface Subscriber extends LiveSubscription {
  filter: StreamFilter;
}

const subscribers = new Set<Subscriber>();
let current: SampleStream | undefined;
let currentSignature = '';
let reopenQueued = false;

function union(): Required<StreamFilter> {
  const points = new Set<string>();
  const devices = new Set<string>();
  const locations = new Set<string>();
  for (const s of subscribers) {
    s.filter.points?.forEach((p) => points.add(p));
    s.filter.devices?.forEach((d) => devices.add(d));
    s.filter.locations?.forEach((l) => locations.add(l));
  }
  return { points: [...points].sort(), devices: [...devices].sort(), locations: [...locations].sort() };
}

function deliver(samples: StreamSample[]): void {
  for (const s of [...subscribers]) {
    try {
      s.onSamples(samples);
    } catch (error) {
      console.warn('live subscriber failed', error); // one broken panel must not stop the others
    }
  }
}

function reopen(): void {
  reopenQueued = false;
  const filter = union();
  const signature = JSON.stringify(filter);
  if (signature === currentSignature && current) return;
  current?.close();
  current = undefined;
  currentSignature = signature;
  if (filter.points.length + filter.devices.length + filter.locations.length === 0) {
    setConnectionState('idle');
    return;
  }
  current = openSampleStream(filter, {
    onSamples: deliver,
    onResumed: () => { for (const s of [...subscribers]) s.onResumed?.(); },
    onState: (state) => { if (current) setConnectionState(state); },
    shouldRetry: sessionStillValid,
  });
}

function scheduleReopen(): void {
  if (reopenQueued) return;
  reopenQueued = true;
  queueMicrotask(reopen);
}

/** Receive live samples matching `filter` until the returned function is called. */
export function subscribeLive(filter: StreamFilter, subscription: LiveSubscription): () => void {
  const subscriber: Subscriber = { ...subscription, filter };
  subscribers.add(subscriber);
  scheduleReopen();
  return () => {
    if (!subscribers.delete(subscriber)) return;
    scheduleReopen();
  };
}

/** Points-only subscription (kept for the pages written before the hub). */
export function connectLive(points: readonly string[], subscription: LiveSubscription): () => void {
  return subscribeLive({ points }, subscription);
}
