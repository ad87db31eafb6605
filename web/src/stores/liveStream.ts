/**
 * The one live stream of this tab and its connection state. A page asks for the points it shows;
 * every sample is handed to the listeners (the points table, the chart).
 */
import { createSignal } from 'solid-js';
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

let current: SampleStream | undefined;

/** Opens the stream for `points`, replacing any previous one. Returns a function that closes it. */
export function connectLive(points: readonly string[], subscription: LiveSubscription): () => void {
  current?.close();
  if (points.length === 0) {
    setConnectionState('idle');
    return () => {};
  }
  const stream = openSampleStream(points, {
    onSamples: subscription.onSamples,
    onResumed: subscription.onResumed,
    onState: setConnectionState,
    shouldRetry: sessionStillValid,
  });
  current = stream;
  return () => {
    stream.close();
    if (current === stream) {
      current = undefined;
      setConnectionState('idle');
    }
  };
}
