/**
 * SNMP v2c driver: GET the profile's OIDs in chunks, one session per target (reused across polls).
 */
import * as snmp from 'net-snmp';
import type { Profile } from '../../profile.ts';
import { allPoints, type Driver, type PollTarget, type RawReading } from '../types.ts';
import { decodeVarbind } from './decode.ts';

export interface SnmpDriverOptions {
  /** OIDs per GET request; small enough to stay under typical agents' PDU limits. */
  maxOidsPerRequest?: number;
  timeoutMs?: number;
  retries?: number;
}

export class SnmpDriver implements Driver {
  private readonly sessions = new Map<string, snmp.Session>();
  private readonly maxOidsPerRequest: number;
  private readonly timeoutMs: number;
  private readonly retries: number;

  constructor(opts: SnmpDriverOptions = {}) {
    this.maxOidsPerRequest = opts.maxOidsPerRequest ?? 32;
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.retries = opts.retries ?? 1;
  }

  async poll(target: PollTarget, profile: Profile, signal: AbortSignal): Promise<RawReading[]> {
    if (profile.protocol !== 'snmp') throw new Error(`the SNMP driver cannot poll ${profile.protocol} profile ${profile.name}`);
    const session = this.session(target);
    const readings: RawReading[] = [];
    const onAbort = () => session.cancelRequests(new Error('poll aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (let i = 0; i < profile.points.length; i += this.maxOidsPerRequest) {
        signal.throwIfAborted();
        const chunk = profile.points.slice(i, i + this.maxOidsPerRequest);
        const varbinds = await get(session, chunk.map((p) => p.oid));
        chunk.forEach((point, j) => {
          const vb = varbinds[j];
          readings.push({ metric: point.metric, ...(vb ? decodeVarbind(vb, point) : { value: null, quality: 'sentinel' as const }) });
        });
      }
      return readings;
    } catch (err) {
      if (signal.aborted) throw err;
      // The device did not answer (or answered garbage): every point of the target is comm_loss, so the
      // gap is visible downstream instead of silent. A fresh session next time drops any stale state.
      this.dropSession(target);
      return allPoints(profile, 'comm_loss');
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    for (const key of [...this.sessions.keys()]) this.dropSessionByKey(key);
  }

  private key(target: PollTarget): string {
    return `${target.host}|${target.port}|${target.community ?? 'public'}|${target.timeoutMs ?? this.timeoutMs}|${target.retries ?? this.retries}`;
  }

  private session(target: PollTarget): snmp.Session {
    const key = this.key(target);
    let session = this.sessions.get(key);
    if (!session) {
      session = snmp.createSession(target.host, target.community ?? 'public', {
        port: target.port,
        version: snmp.Version2c,
        timeout: target.timeoutMs ?? this.timeoutMs,
        retries: target.retries ?? this.retries,
        transport: target.host.includes(':') ? 'udp6' : 'udp4',
      });
      // A socket error must not crash the collector; the next poll reports comm_loss and reconnects.
      session.on('error', () => this.dropSessionByKey(key));
      this.sessions.set(key, session);
    }
    return session;
  }

  private dropSession(target: PollTarget): void {
    this.dropSessionByKey(this.key(target));
  }

  private dropSessionByKey(key: string): void {
    const session = this.sessions.get(key);
    if (!session) return;
    this.sessions.delete(key);
    try { session.close(); } catch { /* already closed */ }
  }
}

function get(session: snmp.Session, oids: string[]): Promise<snmp.Varbind[]> {
  return new Promise((resolve, reject) => {
    session.get(oids, (error, varbinds) => {
      if (error) reject(error);
      else resolve(varbinds ?? []);
    });
  });
}
