/**
 * The live sample stream (GET /api/v1/stream, SSE). EventSource retries by itself after a dropped
 * connection; when the server refuses the stream (e.g. 401 or 5xx), EventSource gives up for good, so we
 * reopen it ourselves with a capped backoff and ask the caller whether to keep trying.
 */
import { api, type StreamFilter } from './client.ts';
import type { StreamSample, StreamSamplesEvent } from './types.ts';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface SampleStreamHandlers {
  onSamples(samples: StreamSample[]): void;
  onState(state: StreamState): void;
  /** The stream came back after an interruption: samples may have been missed, refetch history. */
  onResumed?(): void;
  /** The browser closed the stream for good; resolve false to stop retrying (e.g. signed out). */
  shouldRetry?(): Promise<boolean>;
}

export interface SampleStream {
  close(): void;
}

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

function isSamplesEvent(data: unknown): data is StreamSamplesEvent {
  return typeof data === 'object' && data !== null && Array.isArray((data as { items?: unknown }).items);
}

export function openSampleStream(filter: readonly string[] | StreamFilter, handlers: SampleStreamHandlers): SampleStream {
  let source: EventSource | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let retryDelayMs = RETRY_MIN_MS;
  let interrupted = false;
  let closed = false;

  const connect = () => {
    if (closed) return;
    handlers.onState(interrupted ? 'reconnecting' : 'connecting');
    const es = new EventSource(api.streamUrl(filter), { withCredentials: true });
    source = es;

    es.onopen = () => {
      retryDelayMs = RETRY_MIN_MS;
      handlers.onState('live');
      if (interrupted) handlers.onResumed?.();
      interrupted = false;
    };

    es.addEventListener('samples', (event) => {
      let data: unknown;
      try {
        data = JSON.parse((event as MessageEvent<string>).data);
      } catch {
        return; // a malformed frame must not take the page down; the next one will do
      }
      if (isSamplesEvent(data)) handlers.onSamples(data.items);
    });

    es.onerror = () => {
      if (closed) return;
      interrupted = true;
      handlers.onState('reconnecting');
      if (es.readyState !== EventSource.CLOSED) return; // the browser retries on its own
      es.close();
      const delay = retryDelayMs;
      retryDelayMs = Math.min(RETRY_MAX_MS, retryDelayMs * 2);
      retryTimer = setTimeout(async () => {
        const retry = handlers.shouldRetry ? await handlers.shouldRetry().catch(() => true) : true;
        if (retry) connect();
        else stop();
      }, delay);
    };
  };

  const stop = () => {
    closed = true;
    clearTimeout(retryTimer);
    source?.close();
    handlers.onState('closed');
  };

  connect();
  return { close: stop };
}
