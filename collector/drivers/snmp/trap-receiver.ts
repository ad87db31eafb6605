/**
 * SNMP notification receiver: traps (v1, v2c, v3) and informs (v2c, v3; net-snmp acknowledges them) on
 * one UDP port, each turned at once into an event (and the point updates its profile says it implies),
 * so a UPS going to battery is known before the next poll.
 *
 * - The sender is matched to a configured target by address (a v1 trap's agent-addr, else the UDP
 *   source); several devices behind one address are told apart by community (v1/v2c) or v3 user.
 * - A known device's notification that its profile does not list → info event `snmp.trap.unknown`.
 * - Notifications from unknown senders, with a community no target uses (nor the configured one), or
 *   without a configured authPriv v3 user → counted and logged (rate-limited), never events.
 * - A packet that cannot be decoded is counted; nothing a sender does crashes the collector.
 */
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import * as snmp from 'net-snmp';
import type { IngestEvent, Sample } from '../../../server/contracts/ingest.ts';
import { silentLogger, type Logger } from '../../logger.ts';
import { loadProfile, type Profile } from '../../profile.ts';
import type { SnmpV3User } from '../types.ts';
import { decodeTrap, SNMP_TRAP_OID, SYS_UPTIME_OID, v1TrapOid, varbindValue, type TrapVarbind } from './trap-map.ts';

/** A device the collector knows, as the receiver needs it. */
export interface TrapTarget {
  device: string;
  /** Address the device sends from (IP or host name). */
  host: string;
  /** Loaded profile or profile name/path; its `traps:` list maps the notifications. */
  profile: Profile | string;
  /** Community the device sends with (tells devices behind one address apart). */
  community?: string;
  /** v3 user the device sends with; a full user (with keys) is also accepted for authentication. */
  v3?: SnmpV3User | { user: string };
}

export interface TrapReceiverOptions {
  /** Bind address (default 0.0.0.0; `::` for IPv6). */
  bind?: string;
  /** UDP port (default 162, the SNMP trap port; 0 = a free port). */
  port?: number;
  /** USM users (authPriv) notifications may come from, besides the targets' own v3 users. */
  v3Users?: SnmpV3User[];
  /** Community v1/v2c notifications may carry besides their targets' own (default `public`). */
  community?: string;
  /** Current targets (called per notification, so live reconfiguration is seen at once). */
  targets: () => TrapTarget[];
  logger?: Logger;
  /** One notification's event and the samples it implies (point keys `<device>/<metric>`). */
  onEvent: (device: string, events: IngestEvent[], samples: Sample[]) => void;
  /** SNMPv3 engine ID of the receiver (hex), the target of v3 informs; default random per start. */
  engineID?: string;
}

export interface TrapReceiverStats {
  /** UDP datagrams received. */
  packets: number;
  /** Notifications turned into events. */
  events: number;
  /** Of those, OIDs the device's profile does not list. */
  unknownTraps: number;
  informs: number;
  /** Notifications from addresses that are no configured target. */
  unknownSenders: number;
  /** Wrong community, unknown or non-authPriv v3 user, failed authentication. */
  rejected: number;
  /** Packets that are not SNMP notifications at all. */
  malformed: number;
}

export interface TrapReceiverHandle {
  /** The bound UDP port. */
  port: number;
  stats(): TrapReceiverStats;
  stop(): Promise<void>;
}

const LOG_EVERY_MS = 60_000;
const DNS_TTL_MS = 5 * 60_000;

const AUTH_PROTOCOLS = { md5: snmp.AuthProtocols.md5, sha: snmp.AuthProtocols.sha, sha224: snmp.AuthProtocols.sha224, sha256: snmp.AuthProtocols.sha256, sha384: snmp.AuthProtocols.sha384, sha512: snmp.AuthProtocols.sha512 } as const;
const PRIV_PROTOCOLS = { des: snmp.PrivProtocols.des, aes: snmp.PrivProtocols.aes, aes256b: snmp.PrivProtocols.aes256b, aes256r: snmp.PrivProtocols.aes256r } as const;

/** `::ffff:10.0.0.1` → `10.0.0.1`; lower-case IPv6. */
function normalizeAddress(address: string): string {
  const a = address.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

/** Same notification, same id: an inform retransmitted because its ack was lost is stored once. */
function eventIdFor(parts: unknown[]): string {
  const h = createHash('sha1').update(JSON.stringify(parts, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).digest();
  h[6] = (h[6] & 0x0f) | 0x50; // version 5 (name-based, SHA-1)
  h[8] = (h[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Logs a kind of problem at most once a minute per key, with how many were not logged. */
class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  constructor(private readonly logger: Logger) {}
  warn(key: string, obj: Record<string, unknown>, msg: string): void {
    const now = Date.now();
    const entry = this.last.get(key);
    if (entry && now - entry.at < LOG_EVERY_MS) { entry.suppressed++; return; }
    this.logger.warn({ ...obj, ...(entry?.suppressed ? { suppressedSinceLastLog: entry.suppressed } : {}) }, msg);
    this.last.set(key, { at: now, suppressed: 0 });
    if (this.last.size > 10_000) this.last.clear(); // a spoofing flood must not grow memory without bound
  }
}

interface RawNotification {
  pdu: {
    type: number; id?: number; varbinds?: TrapVarbind[];
    enterprise?: string; agentAddr?: string; generic?: number; specific?: number; upTime?: number;
    community?: string; user?: string; scoped?: boolean;
  };
  rinfo: { address: string; port: number };
}

export async function startTrapReceiver(opts: TrapReceiverOptions): Promise<TrapReceiverHandle> {
  const logger = opts.logger ?? silentLogger;
  const limited = new RateLimitedLog(logger);
  const stats: TrapReceiverStats = { packets: 0, events: 0, unknownTraps: 0, informs: 0, unknownSenders: 0, rejected: 0, malformed: 0 };
  const bind = opts.bind ?? '0.0.0.0';
  const transport = isIP(bind) === 6 ? 'udp6' : 'udp4';
  let stopped = false;

  // ---- v3 users: the configured ones plus the targets' own, re-synced when the targets change
  // @types/net-snmp types the receiver as `any`: these are the calls used (README, "Authorizer Module").
  let receiver: { close(cb?: () => void): void; getAuthorizer(): { getUsers(): Array<{ name: string }>; deleteUser(name: string): void; addUser(user: object): void; getCommunities(): string[]; addCommunity(c: string): void; deleteCommunity(c: string): void } } | undefined;
  let authSignature = '';
  const authPrivUsers = new Set<string>();
  // net-snmp's authorizer checks communities and v3 users (its `disableAuthorization` would also skip the
  // v3 digest check, so it stays off): keep its lists equal to the configuration and the targets'.
  const syncAuthorizer = () => {
    const users = new Map<string, SnmpV3User>();
    const communities = new Set([opts.community ?? 'public']);
    for (const t of opts.targets()) {
      if (t.v3 && 'authKey' in t.v3) users.set(t.v3.user, t.v3);
      if (t.community) communities.add(t.community);
    }
    for (const u of opts.v3Users ?? []) users.set(u.user, u); // explicit configuration wins
    const signature = JSON.stringify([[...users.values()], [...communities]]);
    if (signature === authSignature || !receiver) return;
    authSignature = signature;
    const authorizer = receiver.getAuthorizer();
    for (const c of [...authorizer.getCommunities()]) authorizer.deleteCommunity(c);
    for (const c of communities) authorizer.addCommunity(c);
    for (const u of [...authorizer.getUsers()]) authorizer.deleteUser(u.name);
    authPrivUsers.clear();
    for (const u of users.values()) {
      authorizer.addUser({
        name: u.user, level: snmp.SecurityLevel.authPriv,
        authProtocol: AUTH_PROTOCOLS[u.authProtocol ?? 'sha'], authKey: u.authKey,
        privProtocol: PRIV_PROTOCOLS[u.privProtocol ?? 'aes'], privKey: u.privKey,
      });
      authPrivUsers.add(u.user);
    }
  };

  // ---- sender → target: by address (IP literal, or host name resolved in the background)
  const resolved = new Map<string, { at: number; addresses: string[] }>();
  const addressesOf = (host: string): string[] => {
    const h = normalizeAddress(host);
    if (isIP(h)) return [h];
    if (h === 'localhost') return ['127.0.0.1', '::1'];
    const cached = resolved.get(h);
    if (!cached || Date.now() - cached.at > DNS_TTL_MS) {
      resolved.set(h, { at: Date.now(), addresses: cached?.addresses ?? [] });
      lookup(h, { all: true }).then(
        (list) => resolved.set(h, { at: Date.now(), addresses: list.map((a) => normalizeAddress(a.address)) }),
        (err) => limited.warn(`dns:${h}`, { host: h, err: (err as Error).message }, 'cannot resolve a trap target host name'),
      );
    }
    return cached?.addresses ?? [];
  };

  const profiles = new Map<string, Promise<Profile | undefined>>();
  const profileOf = async (target: TrapTarget): Promise<Profile | undefined> => {
    if (typeof target.profile !== 'string') return target.profile;
    let p = profiles.get(target.profile);
    if (!p) {
      p = loadProfile(target.profile).then((x) => x as Profile, (err) => {
        limited.warn(`profile:${target.profile}`, { device: target.device, err: (err as Error).message }, 'cannot load the profile of a trap target; its notifications are reported as unknown');
        profiles.delete(String(target.profile));
        return undefined;
      });
      profiles.set(target.profile, p);
    }
    return p;
  };

  const handle = async (n: RawNotification): Promise<void> => {
    const { pdu, rinfo } = n;
    const receivedAt = new Date();
    const isV1 = pdu.type === snmp.PduType.Trap;
    const isInform = pdu.type === snmp.PduType.InformRequest;
    const version = isV1 ? 'v1' as const : pdu.user !== undefined || pdu.scoped ? 'v3' as const : 'v2c' as const;
    const source = normalizeAddress(rinfo.address);
    const agentAddr = isV1 && pdu.agentAddr && pdu.agentAddr !== '0.0.0.0' ? normalizeAddress(pdu.agentAddr) : undefined;
    const varbinds = Array.isArray(pdu.varbinds) ? pdu.varbinds : [];

    let trapOid: string | undefined;
    if (isV1) trapOid = v1TrapOid(String(pdu.enterprise ?? ''), Number(pdu.generic), Number(pdu.specific));
    else {
      const v = varbinds.find((vb) => vb.oid === SNMP_TRAP_OID)?.value;
      if (typeof v === 'string' && /^\.?\d+(\.\d+)+$/.test(v)) trapOid = v.replace(/^\./, '');
    }
    if (!trapOid) {
      stats.malformed++;
      limited.warn(`nooid:${source}`, { from: source, version }, 'SNMP notification without snmpTrapOID.0 ignored');
      return;
    }

    if (version === 'v3' && !authPrivUsers.has(pdu.user ?? '')) {
      stats.rejected++;
      limited.warn(`v3:${source}`, { from: source, user: pdu.user ?? '' }, 'SNMPv3 notification without a configured authPriv user rejected');
      return;
    }
    const all = opts.targets();
    const byAddress = (addr: string) => all.filter((t) => addressesOf(t.host).includes(addr));
    let candidates = agentAddr ? byAddress(agentAddr) : [];
    if (candidates.length === 0) candidates = byAddress(source);
    if (candidates.length > 1) {
      const narrowed = candidates.filter((t) => (version === 'v3' ? t.v3?.user === pdu.user : t.community !== undefined && t.community === pdu.community));
      if (narrowed.length > 0) candidates = narrowed;
      if (candidates.length > 1) {
        limited.warn(`ambiguous:${source}`, { from: source, devices: candidates.map((t) => t.device) }, 'several targets share this address and credentials; notification attributed to the first');
      }
    }
    const target = candidates[0];
    if (!target) {
      stats.unknownSenders++;
      limited.warn(`unknown:${agentAddr ?? source}`, { from: source, ...(agentAddr ? { agentAddr } : {}), trapOid, version }, 'SNMP notification from an unknown sender (not a configured target) ignored');
      return;
    }

    const profile = await profileOf(target);
    if (stopped) return;
    const traps = profile?.protocol === 'snmp' ? profile.traps : undefined;
    const decoded = decodeTrap(traps, trapOid, varbinds, { device: target.device, agent: agentAddr ?? source, version });
    if (version === 'v3') decoded.attributes.securityName = pdu.user;
    if (isInform) decoded.attributes.inform = true;
    const ts = receivedAt.toISOString();
    const uptime = varbinds.find((v) => v.oid === SYS_UPTIME_OID)?.value ?? pdu.upTime;
    const event: IngestEvent = {
      eventId: eventIdFor([target.device, agentAddr ?? source, trapOid, pdu.id ?? null, uptime ?? null, varbinds.map((v) => [v.oid, varbindValue(v.value)])]),
      device: target.device,
      ts,
      source: isInform ? 'snmp-inform' : 'snmp-trap',
      name: decoded.name,
      severity: decoded.severity,
      message: decoded.message,
      attributes: decoded.attributes,
    };
    const samples: Sample[] = decoded.setPoints.map((s) => ({ point: `${target.device}/${s.metric}`, ts, value: s.value, quality: 'ok' }));
    stats.events++;
    if (isInform) stats.informs++;
    if (decoded.name === 'snmp.trap.unknown') stats.unknownTraps++;
    try {
      opts.onEvent(target.device, [event], samples);
    } catch (err) {
      logger.error({ device: target.device, event: event.name, err: (err as Error).message }, 'could not queue an SNMP notification event');
    }
  };

  const onNotification = (error: Error | null, notification: RawNotification | null) => {
    if (stopped) return;
    if (error) {
      const from = (error as { rinfo?: { address: string } }).rinfo?.address;
      const code = (error as { code?: number }).code;
      const authFailure = error.name === 'RequestFailedError'
        || (error.name === 'ResponseInvalidError' && (code === snmp.ResponseInvalidCode.EAuthFailure || code === snmp.ResponseInvalidCode.ECouldNotDecrypt));
      const kind = authFailure ? 'rejected' : 'malformed';
      stats[kind]++;
      // net-snmp's auth-failure text carries digests; log only what went wrong, not the material.
      limited.warn(`${kind}:${from ?? '?'}`, {
        from: from ? normalizeAddress(from) : undefined,
        err: authFailure ? (code === snmp.ResponseInvalidCode.EAuthFailure ? 'authentication digest mismatch' : code === snmp.ResponseInvalidCode.ECouldNotDecrypt ? 'could not decrypt' : error.message.slice(0, 120)) : error.message.slice(0, 200),
      }, authFailure ? 'SNMP notification failed authentication or authorisation' : 'undecodable SNMP packet ignored');
      return;
    }
    if (!notification) return;
    handle(notification).catch((err) => {
      stats.malformed++;
      limited.warn('handler', { err: (err as Error).message }, 'SNMP notification could not be processed');
    });
  };

  // net-snmp binds its own socket; a wrapped dgram lets us bind port 0, learn the port, and guard every
  // datagram (user sync first; any exception from decoding stays here instead of reaching the event loop).
  let socket: dgram.Socket | undefined;
  const listening = new Promise<number>((resolve, reject) => {
    const dgramModule = {
      createSocket(type: dgram.SocketType) {
        const s = dgram.createSocket(type);
        socket = s;
        const bindReal = s.bind.bind(s);
        const onReal = s.on.bind(s);
        Object.assign(s, {
          bind: () => bindReal(opts.port ?? 162, bind),
          on: (event: string, listener: (...args: any[]) => void) => (event === 'message'
            ? onReal('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
              stats.packets++;
              try {
                syncAuthorizer();
                listener(msg, rinfo);
              } catch (err) {
                stats.malformed++;
                limited.warn(`malformed:${rinfo.address}`, { from: normalizeAddress(rinfo.address), err: (err as Error).message.slice(0, 200) }, 'undecodable SNMP packet ignored');
              }
            })
            : onReal(event, listener)),
        });
        s.once('listening', () => resolve(s.address().port));
        s.once('error', reject);
        return s;
      },
    };
    receiver = snmp.createReceiver({
      port: opts.port || 162, address: bind, transport,
      includeAuthentication: true,
      dgramModule, ...(opts.engineID ? { engineID: opts.engineID } : {}),
    } as any, onNotification as any);
  });
  syncAuthorizer();
  let port: number;
  try {
    port = await listening;
  } catch (err) {
    stopped = true;
    try { receiver?.close(); } catch { /* not listening */ }
    throw new Error(`cannot listen for SNMP traps on ${bind}:${opts.port ?? 162}/udp: ${(err as Error).message}`);
  }
  logger.info({ bind, port, v3Users: authPrivUsers.size }, 'SNMP trap receiver listening');

  return {
    port,
    stats: () => ({ ...stats }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => {
        if (!socket) return resolve();
        socket.once('close', () => resolve());
        try { receiver!.close(); } catch { resolve(); }
      });
    },
  };
}
