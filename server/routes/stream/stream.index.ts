import { streamSSE } from 'hono/streaming';
import { createRouter } from '../../lib/create-router.ts';
import type { LiveEvent, LiveSample } from '../../live/bus.ts';
import { streamRoute } from './stream.routes.ts';

const HEARTBEAT_MS = 15_000;

export const streamRouter = createRouter().openapi(streamRoute, async (c) => {
  const { bus } = c.get('deps');
  const { points, device } = c.req.valid('query');
  const wanted = points ? new Set(points) : undefined;
  const devicePrefix = device ? `${device}/` : undefined;
  const matches = (s: LiveSample) => (!wanted && !devicePrefix) || wanted?.has(s.point) || (devicePrefix !== undefined && s.point.startsWith(devicePrefix));
  // Events belong to a device: sent when the device is asked for, or one of its points is.
  const wantedDevices = points ? new Set(points.map((k) => k.split('/')[0])) : undefined;
  const eventMatches = (e: LiveEvent) => (!wanted && !devicePrefix) || e.device === device || wantedDevices?.has(e.device);
  c.header('Cache-Control', 'no-cache, no-transform');
  c.header('X-Accel-Buffering', 'no');
  return streamSSE(c, async (stream) => {
    let queue: LiveSample[] = [];
    let wake: (() => void) | undefined;
    let eventQueue: LiveEvent[] = [];
    const unsubscribe = bus.subscribe((samples) => {
      const mine = samples.filter(matches);
      if (mine.length) { queue.push(...mine); wake?.(); }
    });
    const unsubscribeEvents = bus.subscribeEvents((events) => {
      const mine = events.filter(eventMatches);
      if (mine.length) { eventQueue.push(...mine); wake?.(); }
    });
    let open = true;
    const close = () => { open = false; unsubscribe(); unsubscribeEvents(); wake?.(); };
    stream.onAbort(close);
    c.req.raw.signal?.addEventListener('abort', close);
    let seq = 0;
    await stream.writeSSE({ event: 'ready', data: JSON.stringify({ subscribed: points ?? device ?? '*' }) });
    while (open) {
      if (queue.length === 0 && eventQueue.length === 0) {
        const timedOut = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(true), HEARTBEAT_MS);
          wake = () => { clearTimeout(t); resolve(false); };
        });
        wake = undefined;
        if (!open) break;
        if (timedOut) { await stream.writeSSE({ event: 'ping', data: new Date().toISOString() }); continue; }
      }
      if (eventQueue.length > 0) {
        const items = eventQueue; eventQueue = [];
        await stream.writeSSE({ event: 'event', id: String(++seq), data: JSON.stringify({ items }) });
      }
      if (queue.length === 0) continue;
      const items = queue; queue = [];
      await stream.writeSSE({ event: 'samples', id: String(++seq), data: JSON.stringify({ items }) });
    }
  }) as any;
});
