/**
 * SNMP v2c/v3 driver: GET the profile's scalar OIDs in chunks and walk its table columns with GETBULK,
 * one session per target (reused across polls). From the second poll on, columns of the same size share
 * their GETBULKs, sized by last poll's row counts (see walkGroups): at fleet scale the number of requests,
 * not the number of values, was what the collector's CPU went on.
 */
import * as snmp from 'net-snmp';
import type { IdentityField, RawIdentity } from '../../identity.ts';
import type { Logger } from '../../logger.ts';
import type { Profile } from '../../profile.ts';
import { allPoints, type Driver, type PollTarget, type RawReading, type SnmpV3User } from '../types.ts';
import { decodeVarbind } from './decode.ts';
import { columnsToWalk, decodeTables, sessionGetBulkColumns, walkColumns, type WalkedColumns } from './tables.ts';

const DEFAULT_MAX_REPETITIONS = 25;
/**
 * Varbinds one GETBULK of several columns asks for (columns × repetitions): about 7 KB of answer, and an
 * agent whose messages are smaller cuts the repetitions (RFC 3416 §4.2.3), which the walk copes with.
 */
const MAX_VARBINDS_PER_REQUEST = 256;

export interface SnmpDriverOptions {
  /** OIDs per GET request; small enough to stay under typical agents' PDU limits. */
  maxOidsPerRequest?: number;
  timeoutMs?: number;
  retries?: number;
  /** Column walks (a column, or columns walked together) in flight at once per target. */
  walkConcurrency?: number;
  logger?: Logger;
}

export class SnmpDriver implements Driver {
  private readonly sessions = new Map<string, snmp.Session>();
  private readonly maxOidsPerRequest: number;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly walkConcurrency: number;
  private readonly logger: Logger | undefined;
  /** Columns whose last walk failed (non-increasing OIDs, too many rows): logged once until they recover. */
  private readonly badWalks = new Set<string>();
  /** Rows each device's table columns had on the last walk: sizes the next walk's GETBULKs (see walkColumn). */
  private readonly columnRows = new Map<string, number>();

  constructor(opts: SnmpDriverOptions = {}) {
    this.maxOidsPerRequest = opts.maxOidsPerRequest ?? 32;
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.retries = opts.retries ?? 1;
    this.walkConcurrency = opts.walkConcurrency ?? 4;
    this.logger = opts.logger;
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
      if (profile.tables?.length) {
        const walked = await this.walkTables(session, target, profile, signal);
        readings.push(...decodeTables(profile.tables, walked));
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

  async readIdentity(target: PollTarget, profile: Profile, signal: AbortSignal): Promise<RawIdentity | undefined> {
    if (profile.protocol !== 'snmp' || !profile.identity) return undefined;
    const fields = Object.entries(profile.identity).filter((e): e is [IdentityField, string] => e[1] !== undefined);
    const session = this.session(target);
    const out: RawIdentity = {};
    for (let i = 0; i < fields.length; i += this.maxOidsPerRequest) {
      signal.throwIfAborted();
      const chunk = fields.slice(i, i + this.maxOidsPerRequest);
      // The session is shared with the polls, which may be in flight: an abort or a failure only ends this
      // read (the request times out by itself), never the session or the requests of a poll.
      const varbinds = await untilAborted(get(session, chunk.map(([, oid]) => oid)), signal);
      chunk.forEach(([field], j) => {
        const value = identityValue(varbinds[j]);
        if (value !== undefined) out[field] = value;
      });
    }
    return out;
  }

  private async walkTables(session: snmp.Session, target: PollTarget, profile: Extract<Profile, { protocol: 'snmp' }>, signal: AbortSignal): Promise<WalkedColumns> {
    const tables = profile.tables ?? [];
    const maxRows = Math.max(...tables.map((t) => t.maxRows ?? 0)) || undefined;
    const maxRepetitions = profile.maxRepetitions ?? DEFAULT_MAX_REPETITIONS;
    const groups = this.walkGroups(target.device, columnsToWalk(tables), maxRepetitions);
    const getBulk = sessionGetBulkColumns(session);
    const walked: WalkedColumns = new Map();
    let next = 0;
    const worker = async () => {
      while (next < groups.length) {
        const { columns, expectedRows } = groups[next++];
        const results = await walkColumns(getBulk, columns, { maxRepetitions, expectedRows, maxRows, signal });
        for (const [column, { rows, error }] of results) {
          const key = `${target.device}|${column}`;
          walked.set(column, rows);
          if (!error) {
            this.columnRows.set(key, rows.size);
            if (this.badWalks.delete(key)) this.logger?.info({ device: target.device, column }, 'SNMP table walks cleanly again');
            continue;
          }
          // The agent answered, but badly: keep what was read, say why once, and go on with the rest.
          this.columnRows.delete(key);
          if (!this.badWalks.has(key)) this.logger?.warn({ device: target.device, column, err: error.message }, 'SNMP table walk stopped');
          this.badWalks.add(key);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.walkConcurrency, groups.length) }, worker));
    return walked;
  }

  /**
   * Which columns to walk together. A column walked before is grouped with the others that had the same
   * number of rows (the columns of one table, as a rule) and they share GETBULKs, at most
   * MAX_VARBINDS_PER_REQUEST varbinds asked per request; a column never walked (first poll, or after a bad
   * walk) is walked alone, which also learns its size.
   */
  private walkGroups(device: string, columns: string[], maxRepetitions: number): Array<{ columns: string[]; expectedRows?: number }> {
    const groups: Array<{ columns: string[]; expectedRows?: number }> = [];
    const bySize = new Map<number, string[]>();
    for (const column of columns) {
      const rows = this.columnRows.get(`${device}|${column}`);
      if (rows === undefined) groups.push({ columns: [column] });
      else {
        const same = bySize.get(rows);
        if (same) same.push(column);
        else bySize.set(rows, [column]);
      }
    }
    for (const [rows, same] of bySize) {
      const perColumn = Math.min(maxRepetitions, rows + 1);
      const size = Math.max(1, Math.floor(MAX_VARBINDS_PER_REQUEST / perColumn));
      for (let i = 0; i < same.length; i += size) groups.push({ columns: same.slice(i, i + size), expectedRows: rows });
    }
    return groups;
  }

  async close(): Promise<void> {
    for (const key of [...this.sessions.keys()]) this.dropSessionByKey(key);
  }

  private key(target: PollTarget): string {
    const auth = target.v3 ? `v3:${target.v3.user}:${target.v3.authProtocol ?? 'sha'}:${target.v3.authKey}:${target.v3.privProtocol ?? 'aes'}:${target.v3.privKey}` : `v2c:${target.community ?? 'public'}`;
    return `${target.host}|${target.port}|${auth}|${target.timeoutMs ?? this.timeoutMs}|${target.retries ?? this.retries}`;
  }

  private session(target: PollTarget): snmp.Session {
    const key = this.key(target);
    let session = this.sessions.get(key);
    if (!session) {
      const common = {
        port: target.port,
        timeout: target.timeoutMs ?? this.timeoutMs,
        retries: target.retries ?? this.retries,
        transport: target.host.includes(':') ? 'udp6' as const : 'udp4' as const,
      };
      session = target.v3
        ? snmp.createV3Session(target.host, v3User(target.v3), { ...common, version: snmp.Version3 })
        : snmp.createSession(target.host, target.community ?? 'public', { ...common, version: snmp.Version2c });
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

/** `promise`, or a rejection as soon as `signal` aborts (the work behind the promise is left to finish). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Text of an OCTET STRING, dotted OBJECT IDENTIFIER, number of an integer; undefined for noSuchObject, noSuchInstance and endOfMibView. */
function identityValue(vb: snmp.Varbind | undefined): string | number | undefined {
  if (!vb || snmp.isVarbindError(vb)) return undefined;
  const value: unknown = vb.value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

function v3User(user: SnmpV3User): snmp.User {
  return {
    name: user.user,
    level: snmp.SecurityLevel.authPriv,
    authProtocol: snmp.AuthProtocols[user.authProtocol ?? 'sha'],
    authKey: user.authKey,
    privProtocol: snmp.PrivProtocols[user.privProtocol ?? 'aes'],
    privKey: user.privKey,
  };
}
