/**
 * Live fan-out across server replicas through PostgreSQL LISTEN/NOTIFY (docs/scaling.md).
 *
 * Each replica delivers what it committed to its own streams at once (LiveBus.publish) and relays it with
 * NOTIFY on `kiban_live`; every replica LISTENs and delivers what the *other* replicas committed (its own
 * messages, recognised by origin, are skipped — no duplicates). Samples travel in the notifications
 * themselves, packed into payloads under PostgreSQL's 8000-byte limit, so no replica reads the database to
 * relay. Wire format, one notification each:
 *
 *   M|<origin>|<sentAtMs>|<kind>|<json items>          a whole message (kind s = samples, e = events)
 *   F|<origin>|<sentAtMs>|<msgId>|<index>|<count>|<text>  one fragment of `<kind>|<json items>` of one item
 *                                                      too large for a notification on its own (a big event)
 *
 *   H|<origin>|<sentAtMs>                              "this replica has live streams open" (a heartbeat)
 *
 * A sample is `[point, ts, value, quality]`. All notifications of one committed batch go in one statement,
 * in order. A replica relays only while another replica has said, within PEER_TTL_MS, that it has live
 * streams: a single server, or replicas nobody watches, pay nothing per batch (a relayed 10,000-sample batch is
 * ~130 notifications of queue traffic). A replica says so when a stream opens, every HEARTBEAT_MS while it
 * has streams, and for REPLAY_MAX_MS after its last stream closed, so a stream that resumes within the replay
 * window misses nothing; after that the replica forgets its replay window (resumes get a `gap`). Relaying is best effort, like any live feed: if the database is unreachable the batch is still
 * committed and acknowledged, the relay counts the failure, and clients refetch history when their stream
 * reports a `gap` (sent when the LISTEN connection had to reconnect).
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import type { Logger } from '../lib/logger.ts';
import { REPLAY_MAX_MS, type LiveBus, type LiveEvent, type LiveMessage, type LiveSample } from './bus.ts';

export const LIVE_CHANNEL = 'kiban_live';
/** PostgreSQL refuses payloads of 8000 bytes or more; leave room for the header. */
const PAYLOAD_LIMIT = 7_900;
const FRAGMENT_TEXT = 7_700;
/** Batches waiting to be relayed when the database is slow; beyond this they are dropped (and counted). */
const MAX_PENDING = 500;
const FRAGMENT_TTL_MS = 30_000;
const HEARTBEAT_MS = 5_000;
/** A peer that has not said it has streams for this long is not relayed to. */
const PEER_TTL_MS = 3 * HEARTBEAT_MS;

export interface RelayStats {
  sentMessages: number; sentNotifications: number; received: number; dropped: number; errors: number; reconnects: number;
  /** Committed batches not relayed because no other replica had live streams. */
  unwatched: number;
  /** Other replicas that currently have live streams (heard from within PEER_TTL_MS). */
  peersWatching: number;
  /** NOTIFY → delivery delays of received messages (seconds), drained by /metrics. */
  delays: number[];
}

export interface LiveRelay { readonly origin: string; readonly stats: RelayStats; close(): Promise<void> }

const relays = new WeakMap<LiveBus, LiveRelay>();
/** The relay attached to a bus, if any (for /metrics). */
export const relayOf = (bus: LiveBus): LiveRelay | undefined => relays.get(bus);

/** Encodes one message into notification payloads, each under PAYLOAD_LIMIT bytes. */
export function encodeMessage(origin: string, msg: LiveMessage, sentAt = Date.now()): string[] {
  const kind = msg.kind === 'samples' ? 's' : 'e';
  const head = `M|${origin}|${sentAt}|${kind}|`;
  const budget = PAYLOAD_LIMIT - Buffer.byteLength(head) - 2;
  const items = msg.kind === 'samples'
    ? msg.items.map((s) => JSON.stringify([s.point, s.ts, s.value, s.quality]))
    : msg.items.map((e) => JSON.stringify(e));
  const out: string[] = [];
  let chunk: string[] = [];
  let bytes = 0;
  const flush = () => { if (chunk.length) out.push(`${head}[${chunk.join(',')}]`); chunk = []; bytes = 0; };
  for (const item of items) {
    const n = Buffer.byteLength(item) + 1;
    if (n > budget) { flush(); out.push(...fragment(origin, sentAt, `${kind}|[${item}]`)); continue; }
    if (bytes + n > budget) flush();
    chunk.push(item); bytes += n;
  }
  flush();
  return out;
}

function fragment(origin: string, sentAt: number, text: string): string[] {
  const buf = Buffer.from(text);
  const parts: string[] = [];
  for (let start = 0; start < buf.length;) {
    let end = Math.min(buf.length, start + FRAGMENT_TEXT);
    while (end < buf.length && (buf[end] & 0xc0) === 0x80) end--; // never split a UTF-8 character
    parts.push(buf.subarray(start, end).toString());
    start = end;
  }
  const id = randomBytes(6).toString('base64url');
  return parts.map((p, i) => `F|${origin}|${sentAt}|${id}|${i}|${parts.length}|${p}`);
}

/** Decodes `<kind>|<json items>`. */
function decodeBody(body: string): LiveMessage {
  const bar = body.indexOf('|');
  const kind = body.slice(0, bar);
  const items = JSON.parse(body.slice(bar + 1)) as unknown[];
  if (kind === 's') {
    return { kind: 'samples', items: (items as [string, string, number | null, string][]).map(([point, ts, value, quality]): LiveSample => ({ point, ts, value, quality })) };
  }
  return { kind: 'events', items: items as LiveEvent[] };
}

/** Reassembles notifications into messages; skips those from `self`. */
export class RelayDecoder {
  private readonly partial = new Map<string, { parts: string[]; got: number; at: number }>();
  constructor(private readonly self: string) {}

  /** The message completed by this payload (with its send time), or undefined. */
  accept(payload: string, now = Date.now()): { msg: LiveMessage; sentAt: number } | undefined {
    const f = payload.split('|', 3);
    if (f.length < 3 || f[1] === this.self) return undefined;
    const sentAt = Number(f[2]);
    if (f[0] === 'M') return { msg: decodeBody(payload.slice(f[0].length + f[1].length + f[2].length + 3)), sentAt };
    if (f[0] !== 'F') return undefined;
    const [, origin, , id, index, count] = payload.split('|', 6);
    const text = payload.slice([origin, f[2], id, index, count].reduce((n, s) => n + s.length + 1, 2));
    for (const [k, v] of this.partial) if (now - v.at > FRAGMENT_TTL_MS) this.partial.delete(k);
    const key = `${origin}|${id}`;
    let entry = this.partial.get(key);
    if (!entry) {
      if (this.partial.size >= 100) return undefined;
      this.partial.set(key, (entry = { parts: new Array(Number(count)).fill(undefined), got: 0, at: now }));
    }
    const i = Number(index);
    if (entry.parts[i] === undefined) { entry.parts[i] = text; entry.got++; }
    if (entry.got < entry.parts.length) return undefined;
    this.partial.delete(key);
    return { msg: decodeBody(entry.parts.join('')), sentAt };
  }
}

/**
 * Connects `bus` to the other replicas through the database; undefined when the backend cannot LISTEN
 * (embedded PGlite is one process: the bus stays in-process).
 */
export async function startLiveRelay(bus: LiveBus, db: Db, logger?: Logger): Promise<LiveRelay | undefined> {
  if (!db.listen) return undefined;
  const origin = randomBytes(6).toString('base64url');
  const stats: RelayStats = { sentMessages: 0, sentNotifications: 0, received: 0, dropped: 0, errors: 0, reconnects: 0, unwatched: 0, peersWatching: 0, delays: [] };
  const decoder = new RelayDecoder(origin);
  /** Other replicas with live streams: origin → when they last said so. */
  const peers = new Map<string, number>();
  const peersWatching = () => {
    const now = Date.now();
    for (const [o, at] of peers) if (now - at > PEER_TTL_MS) peers.delete(o);
    stats.peersWatching = peers.size;
    return peers.size > 0;
  };
  let listens = 0;
  const listener = await db.listen(LIVE_CHANNEL, (payload) => {
    try {
      if (payload.startsWith('H|')) {
        const [, from] = payload.split('|', 3);
        if (from !== origin) { peers.set(from, Date.now()); stats.peersWatching = peers.size; }
        return;
      }
      const got = decoder.accept(payload);
      if (!got) return;
      stats.received++;
      if (stats.delays.length < 10_000) stats.delays.push(Math.max(0, Date.now() - got.sentAt) / 1000);
      bus.deliver(got.msg);
    } catch (err) {
      stats.errors++;
      logger?.warn({ err: (err as Error).message }, 'live relay: undecodable notification');
    }
  }, () => {
    if (listens++ === 0) return;
    stats.reconnects++;
    logger?.warn('live relay: LISTEN connection re-established; streams told to refetch');
    bus.notice({ code: 'gap', message: 'the live feed from other server replicas was interrupted: refetch history' });
  });

  let pending = 0;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  bus.relay = (msg) => {
    if (closed) return;
    if (!peersWatching()) { stats.unwatched++; return; }
    if (pending >= MAX_PENDING) { stats.dropped++; return; }
    const payloads = encodeMessage(origin, msg);
    pending++;
    chain = chain.then(async () => {
      try {
        await db.query(`select pg_notify($1, p) from unnest($2::text[]) as u(p)`, [LIVE_CHANNEL, payloads]);
        stats.sentMessages++;
        stats.sentNotifications += payloads.length;
      } catch (err) {
        stats.errors++;
        logger?.warn({ err: (err as Error).message }, 'live relay: NOTIFY failed');
      } finally {
        pending--;
      }
    });
  };

  // Telling the other replicas that this one has live streams.
  let lastWatchedAt = 0;
  let beating = false;
  const beat = async () => {
    try {
      await db.query('select pg_notify($1, $2)', [LIVE_CHANNEL, `H|${origin}|${Date.now()}`]);
    } catch (err) {
      stats.errors++;
      logger?.warn({ err: (err as Error).message }, 'live relay: heartbeat NOTIFY failed');
    }
  };
  bus.watch = async () => { lastWatchedAt = Date.now(); beating = true; await beat(); };
  const heartbeat = setInterval(() => {
    if (bus.subscriberCount > 0) lastWatchedAt = Date.now();
    if (Date.now() - lastWatchedAt <= REPLAY_MAX_MS) {
      if (beating) void beat();
    } else if (beating) {
      // Peers stop relaying to this replica: what it would replay from now on could lack their commits.
      beating = false;
      bus.forgetReplay();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const relay: LiveRelay = {
    origin, stats,
    close: async () => {
      closed = true;
      clearInterval(heartbeat);
      bus.watch = undefined;
      if (bus.relay) bus.relay = undefined;
      relays.delete(bus);
      await chain;
      await listener.unlisten().catch(() => {});
    },
  };
  relays.set(bus, relay);
  return relay;
}
