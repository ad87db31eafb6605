import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Db } from '../../../db/client.ts';
import { locationIdsByRef } from '../../../db/queries/locations.ts';
import { createRouter } from '../../lib/create-router.ts';
import { errorJson } from '../../lib/errors.ts';
import { LOCATION_REFRESH_MS, locationResolverFor, StreamSession } from '../../live/stream-session.ts';
import { changeSubscriptionsRoute, streamRoute } from './stream.routes.ts';

/** Samples per SSE message (see the loop below). */
export const SSE_SAMPLES_PER_MESSAGE = 1000;

const HEARTBEAT_MS = 15_000;

/** Location ids or names → ids; an error response when one is unknown (404) or an ambiguous name (400). */
async function locationIds(c: Context<any>, db: Db, refs: Array<string | number>): Promise<{ ids: number[] } | { error: Response }> {
  const { ids, unknown, ambiguous } = await locationIdsByRef(db, refs.map(String));
  if (unknown.length > 0) return { error: errorJson(c, 404, 'not_found', `unknown location ${unknown.join(', ')}`) };
  if (ambiguous.length > 0) {
    return { error: errorJson(c, 400, 'invalid_request', `location name ${ambiguous[0].ref} is ambiguous; give its id`, { issues: [{ path: 'location', message: 'ambiguous name' }], candidates: ambiguous }) };
  }
  return { ids };
}

export const streamRouter = createRouter().openapi(streamRoute, async (c) => {
  const { bus, db } = c.get('deps');
  const { points, device, location } = c.req.valid('query');
  const principal = c.get('principal');
  const all = !points && !device && !location;
  const locs = location ? await locationIds(c, db, location) : { ids: [] };
  if ('error' in locs) return locs.error as any;
  const session = new StreamSession(principal.tokenId, { points: points ?? [], devices: device ?? [], locations: locs.ids }, all);
  const resolver = locationResolverFor(db);
  if (locs.ids.length > 0) session.locationDevices = (await resolver.resolve(locs.ids)).devices;
  c.header('Cache-Control', 'no-cache, no-transform');
  c.header('X-Accel-Buffering', 'no');
  return streamSSE(c, async (stream) => {
    // Subscribe first, then replay: a message delivered in between is seen by both, and skipped by seq.
    const backlog: Parameters<StreamSession['offer']>[0][] = [];
    let replaying = true;
    const unsubscribe = bus.subscribeMessages((m) => { if (replaying) backlog.push(m); else session.offer(m); });
    const unsubscribeNotices = bus.subscribeNotices((n) => session.notice(n));
    bus.streams.set(session.id, session);
    // Other replicas relay their commits only to replicas with streams: say so before reporting ready.
    await bus.watch?.();
    let open = true;
    const refresh = setInterval(() => {
      if (session.locations.size === 0) return;
      resolver.resolve([...session.locations]).then((r) => { session.locationDevices = r.devices; }, () => { /* keep the last set */ });
    }, LOCATION_REFRESH_MS);
    const close = () => {
      if (!open) return;
      open = false; unsubscribe(); unsubscribeNotices(); clearInterval(refresh); bus.streams.delete(session.id); session.wake?.();
    };
    stream.onAbort(close);
    c.req.raw.signal?.addEventListener('abort', close);

    // Resume: Last-Event-ID is `<bus epoch>:<seq>`.
    const lastId = c.req.valid('header')['last-event-id'];
    let resumed = false;
    session.lastSeq = bus.lastSeq;
    if (lastId) {
      const [epoch, seqText] = lastId.split(':');
      const replay = epoch === bus.epoch ? bus.since(Number(seqText)) : undefined;
      if (replay) {
        resumed = true;
        for (const m of replay) session.offer(m);
      } else {
        session.notice({ code: 'gap', message: 'resumed outside the replay window (or on another server): refetch history' });
      }
    }
    replaying = false;
    for (const m of backlog) if (m.seq > session.lastSeq) session.offer(m);

    await stream.writeSSE({
      event: 'ready', id: `${bus.epoch}:${session.lastSeq}`,
      data: JSON.stringify({ stream: session.id, all: session.all, subscribed: session.subscription, resumed }),
    });
    try {
      while (open) {
        if (session.idle) {
          const timedOut = await new Promise<boolean>((resolve) => {
            const t = setTimeout(() => resolve(true), HEARTBEAT_MS);
            session.wake = () => { clearTimeout(t); resolve(false); };
          });
          session.wake = undefined;
          if (!open) break;
          if (timedOut) { await stream.writeSSE({ event: 'ping', data: new Date().toISOString() }); continue; }
        }
        const id = `${bus.epoch}:${session.lastSeq}`;
        const { notices, events, samples } = session.take();
        for (const n of notices) await stream.writeSSE({ event: 'notice', data: JSON.stringify(n) });
        if (events.length > 0) await stream.writeSSE({ event: 'event', id, data: JSON.stringify({ items: events }) });
        // Big batches go out in chunks: a browser parses each SSE message as one task, and a 600 kB message
        // (a 2,000-rack room's poll) would hold its main thread for a frame or more. Only the last chunk carries
        // the id, so a reconnect resumes after the whole batch (a chunk seen twice is the same samples again).
        for (let start = 0; start < samples.length; start += SSE_SAMPLES_PER_MESSAGE) {
          const end = Math.min(samples.length, start + SSE_SAMPLES_PER_MESSAGE);
          await stream.writeSSE({ event: 'samples', id: end === samples.length ? id : undefined, data: JSON.stringify({ items: samples.slice(start, end) }) });
        }
      }
    } finally {
      close();
    }
  }) as any;
}).openapi(changeSubscriptionsRoute, async (c) => {
  const { bus, db } = c.get('deps');
  const { id } = c.req.valid('param');
  const body = c.req.valid('json');
  const session = bus.streams.get(id);
  if (!session || session.principalId !== c.get('principal').tokenId) {
    return errorJson(c, 404, 'not_found', `no open stream ${id} of yours on this server`);
  }
  const resolve = async (refs: Array<string | number> | undefined) => (refs?.length ? locationIds(c, db, refs) : { ids: [] as number[] });
  const added = await resolve(body.add?.locations);
  if ('error' in added) return added.error as any;
  const removed = await resolve(body.remove?.locations);
  if ('error' in removed) return removed.error as any;
  const add = { ...body.add, locations: added.ids };
  const tooMany = session.exceeds(add);
  if (tooMany) return errorJson(c, 400, 'invalid_request', tooMany);
  if (body.remove) session.remove({ ...body.remove, locations: removed.ids });
  if (body.add) session.add(add);
  if (body.all !== undefined) session.all = body.all;
  session.locationDevices = session.locations.size > 0 ? (await locationResolverFor(db).resolve([...session.locations])).devices : new Set();
  return c.json({ stream: session.id, all: session.all, subscribed: session.subscription }, 200);
});
