/**
 * SNMPv3 User-based Security Model (RFC 3414) for snmp-lite, authoritative side only: an agent that
 * answers requests. HMAC-SHA-96 authentication and AES-128-CFB privacy (RFC 3826), engine-id discovery
 * and time synchronisation through Reports, usmStats* counters.
 *
 * The cryptography is net-snmp's (`Authentication.isAuthentic/writeParameters`, `Encryption.encryptPdu/
 * decryptPdu`), the same code the UPS agent runs. One thing is done here instead: key localization.
 * net-snmp's `passwordToKey` hashes the 1 MB expanded password for every engine id, about 1.5 ms per key,
 * so 4,000 PDUs × 2 keys would cost ~12 s of CPU. RFC 3414 §A.2 splits it in two: Ku = SHA1(1 MB of the
 * password) does not depend on the engine, Kul = SHA1(Ku ‖ engineID ‖ Ku) does. Ku is computed once per
 * password (shared by every PDU), Kul lazily on an engine's first authenticated request, and stored in
 * net-snmp's own key cache (`Authentication.authToKeyCache`) where its functions look keys up, so they
 * never run the 1 MB hash. A unit test pins Kul to `passwordToKey`'s result.
 */
import { createHash } from 'node:crypto';
import * as snmp from 'net-snmp';
import {
  BerError, decodeScopedPdu, decodeV3Message, encodeOid, encodePdu, encodeScopedPdu, encodeV3Message, encodeValue, encodeVarbind,
  MsgFlags, PduTag, Tag, type RequestPdu, type ScopedPdu, type V3Message,
} from './ber.ts';
import { parseOid } from './mib.ts';

interface NetSnmpEngine { engineID: Buffer; engineBoots: number; engineTime: number }
/** net-snmp's dispatching Encryption entry points (present at runtime, missing from @types/net-snmp). */
const Encryption = snmp.Encryption as unknown as {
  encryptPdu(privProtocol: snmp.PrivProtocols, scopedPdu: Buffer, privPassword: string, authProtocol: snmp.AuthProtocols, engine: NetSnmpEngine):
    { encryptedPdu: Buffer; msgPrivacyParameters: Buffer };
  decryptPdu(privProtocol: snmp.PrivProtocols, encryptedPdu: Buffer, privParameters: Buffer, privPassword: string, authProtocol: snmp.AuthProtocols,
    engine: NetSnmpEngine): Buffer;
};
const AUTH = snmp.AuthProtocols.sha;
const PRIV = snmp.PrivProtocols.aes;
/** HMAC-SHA-96: the first 12 octets of HMAC-SHA1 (RFC 3414 §7). */
const AUTH_PARAMS_LENGTH = 12;
/** RFC 3414 §2.2.3: messages outside ±150 s of the engine's clock are not in the time window. */
const TIME_WINDOW_S = 150;
const MAX_ENGINE_BOOTS = 2147483647;
const EMPTY: Buffer = Buffer.alloc(0);

export type SecurityLevel = 'noAuthNoPriv' | 'authNoPriv' | 'authPriv';
const LEVEL_RANK: Record<SecurityLevel, number> = { noAuthNoPriv: 0, authNoPriv: 1, authPriv: 2 };

export interface UsmUser {
  user: string;
  /** Authentication password (HMAC-SHA-96), at least 8 characters. */
  authKey: string;
  /** Privacy password (AES-128-CFB), at least 8 characters. */
  privKey: string;
  /**
   * Lowest security level this user may use. Default authPriv: an authNoPriv or noAuthNoPriv request
   * naming the user is refused with a usmStatsUnsupportedSecLevels report (the role snmpd's VACM
   * `rouser NAME priv` plays), so no value ever leaves the device unencrypted.
   */
  minLevel?: 'authNoPriv' | 'authPriv';
  /** Default readWrite: the user may SET what the template makes writable (outlet switching). */
  access?: 'read' | 'readWrite';
}

/** The users of one or many engines, with the engine-independent half of key localization cached. */
export class UsmUserTable {
  private readonly users: Array<UsmUser & { name: Buffer; authKu?: Buffer; privKu?: Buffer }>;

  constructor(users: readonly UsmUser[]) {
    for (const u of users) {
      if (u.authKey.length < 8 || u.privKey.length < 8) throw new RangeError(`SNMPv3 user ${u.user}: keys must have at least 8 characters (RFC 3414 §11.2)`);
    }
    this.users = users.map((u) => ({ ...u, name: Buffer.from(u.user, 'utf8') }));
  }

  find(name: Buffer): UsmUser | undefined {
    return this.users.find((u) => u.name.equals(name));
  }

  /** Makes sure net-snmp's key cache holds this user's localized keys for `engineId`. */
  localize(user: UsmUser, engineId: Buffer): void {
    const entry = this.users.find((u) => u === user);
    if (!entry) return;
    localizeKey(user.authKey, engineId, () => (entry.authKu ??= passwordDigest(user.authKey)));
    localizeKey(user.privKey, engineId, () => (entry.privKu ??= passwordDigest(user.privKey)));
  }
}

/** Ku of RFC 3414 §A.2.2: SHA1 of the password repeated to 1,048,576 octets. */
function passwordDigest(password: string): Buffer {
  return createHash('sha1').update(Buffer.alloc(snmp.Authentication.HMAC_BUFFER_SIZE ?? 1048576, password)).digest();
}

/** Kul = SHA1(Ku ‖ engineID ‖ Ku), put where net-snmp's Authentication/Encryption look it up. */
export function localizeKey(password: string, engineId: Buffer, ku: () => Buffer = () => passwordDigest(password)): Buffer {
  const A = snmp.Authentication;
  const cache = A.authToKeyCache as Record<string, Buffer> | undefined;
  if (typeof cache !== 'object' || cache === null || typeof A.computeCacheKey !== 'function') {
    // A net-snmp without the cache: fall back to its own (slow, 1 MB per call) derivation.
    return A.passwordToKey(AUTH, password, engineId);
  }
  const cacheKey = A.computeCacheKey(AUTH, password, engineId);
  let kul = cache[cacheKey];
  if (!kul) {
    const base = ku();
    kul = createHash('sha1').update(base).update(engineId).update(base).digest();
    cache[cacheKey] = kul;
  }
  return kul;
}

/**
 * An RFC 3411 SnmpEngineID: enterprise number with the top bit set, then format 4 (text, ≤ 27 octets),
 * or format 5 (octets: the SHA1 of the text) when the text is longer.
 */
export function engineIdFor(enterprise: number, text: string): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE((0x80000000 | enterprise) >>> 0, 0);
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length >= 1 && bytes.length <= 27) {
    head[4] = 4;
    return Buffer.concat([head, bytes]);
  }
  head[4] = 5;
  return Buffer.concat([head, createHash('sha1').update(bytes).digest()]);
}

/** usmStats (RFC 3414 §5) and the MPD/dispatcher counters (RFC 3412 §5) this engine keeps. */
export interface UsmCounters {
  unsupportedSecLevels: number;
  notInTimeWindows: number;
  unknownUserNames: number;
  unknownEngineIDs: number;
  wrongDigests: number;
  decryptionErrors: number;
  unknownSecurityModels: number;
  invalidMsgs: number;
  unknownPduHandlers: number;
  unknownContexts: number;
  asnParseErrs: number;
}

type ReportCounter = Exclude<keyof UsmCounters, 'unknownSecurityModels' | 'invalidMsgs' | 'asnParseErrs'>;

const REPORT_OIDS: Record<ReportCounter, Buffer> = {
  unsupportedSecLevels: encodeOid(parseOid('1.3.6.1.6.3.15.1.1.1.0')),
  notInTimeWindows: encodeOid(parseOid('1.3.6.1.6.3.15.1.1.2.0')),
  unknownUserNames: encodeOid(parseOid('1.3.6.1.6.3.15.1.1.3.0')),
  unknownEngineIDs: encodeOid(parseOid('1.3.6.1.6.3.15.1.1.4.0')),
  wrongDigests: encodeOid(parseOid('1.3.6.1.6.3.15.1.1.5.0')),
  decryptionErrors: encodeOid(parseOid('1.3.6.1.6.3.15.1.1.6.0')),
  unknownPduHandlers: encodeOid(parseOid('1.3.6.1.6.3.11.2.1.3.0')),
  unknownContexts: encodeOid(parseOid('1.3.6.1.6.3.12.1.5.0')),
};

export interface UsmEngineOptions {
  /** This engine's snmpEngineID (see engineIdFor). */
  engineId: Buffer;
  users: UsmUserTable | readonly UsmUser[];
  /** snmpEngineBoots; default 1 (a simulated device that booted once). */
  engineBoots?: number;
  /** Wall-clock ms at which snmpEngineTime was 0; default: when the engine is created. */
  engineStartMs?: number;
  /** Injectable wall clock. */
  clock?: () => number;
}

export type V3Outcome =
  /** Discard silently (malformed, unsupported security model, or an error the request asked not to be reported). */
  | { kind: 'drop' }
  /** A Report PDU to send back (discovery, time sync, or a security error). */
  | { kind: 'report'; message: Buffer }
  /** An authenticated (and decrypted) request to answer through `respond`. */
  | {
    kind: 'request';
    pdu: RequestPdu;
    user: UsmUser;
    level: SecurityLevel;
    write: boolean;
    /** Largest response: the requester's msgMaxSize or the agent's, whichever is smaller. */
    maxSize: number;
    /** Upper bound of what the v3 frame adds around the response's varbinds. */
    overhead: number;
    /** Wraps an encoded Response PDU into a v3 message at the request's security level. */
    respond(pdu: Buffer): Buffer;
  };

/** One SNMP engine (one simulated device): its id, boots and clock, its counters, the shared users. */
export class UsmEngine {
  readonly engineId: Buffer;
  readonly engineBoots: number;
  private readonly users: UsmUserTable;
  private readonly startMs: number;
  private readonly clock: () => number;
  private stats?: UsmCounters;

  constructor(opts: UsmEngineOptions) {
    if (opts.engineId.length < 5 || opts.engineId.length > 32) throw new RangeError('snmpEngineID must have 5 to 32 octets (RFC 3411)');
    this.engineId = opts.engineId;
    this.engineBoots = opts.engineBoots ?? 1;
    this.users = opts.users instanceof UsmUserTable ? opts.users : new UsmUserTable(opts.users);
    this.clock = opts.clock ?? Date.now;
    this.startMs = opts.engineStartMs ?? this.clock();
  }

  /** snmpEngineTime: seconds since the engine started. */
  engineTime(): number {
    return Math.max(0, Math.min(MAX_ENGINE_BOOTS, Math.floor((this.clock() - this.startMs) / 1000)));
  }

  counters(): UsmCounters {
    return { ...this.count() };
  }

  private count(): UsmCounters {
    // Allocated on the first v3 message: most simulated PDUs are only ever polled over v2c.
    return (this.stats ??= {
      unsupportedSecLevels: 0, notInTimeWindows: 0, unknownUserNames: 0, unknownEngineIDs: 0, wrongDigests: 0, decryptionErrors: 0,
      unknownSecurityModels: 0, invalidMsgs: 0, unknownPduHandlers: 0, unknownContexts: 0, asnParseErrs: 0,
    });
  }

  /** RFC 3412 §7.2 + RFC 3414 §3.2: security processing of one received SNMPv3 message. */
  process(buf: Buffer, agentMaxSize: number): V3Outcome {
    const stats = this.count();
    let msg: V3Message;
    try {
      msg = decodeV3Message(buf);
    } catch (err) {
      if (!(err instanceof BerError)) throw err;
      stats.asnParseErrs++;
      return { kind: 'drop' };
    }
    if (msg.securityModel !== 3) {
      stats.unknownSecurityModels++;
      return { kind: 'drop' };
    }
    const auth = (msg.msgFlags & MsgFlags.auth) !== 0;
    const priv = (msg.msgFlags & MsgFlags.priv) !== 0;
    if ((priv && !auth) || msg.msgMaxSize < 484 || priv !== msg.encrypted) {
      stats.invalidMsgs++;
      return { kind: 'drop' };
    }
    const level: SecurityLevel = priv ? 'authPriv' : auth ? 'authNoPriv' : 'noAuthNoPriv';
    // A plaintext scopedPDU gives the request-id and contextName for reports; an encrypted one cannot.
    let plain: ScopedPdu | undefined;
    if (!msg.encrypted) {
      try {
        plain = decodeScopedPdu(msg.data);
      } catch (err) {
        if (!(err instanceof BerError)) throw err;
        stats.asnParseErrs++;
        return { kind: 'drop' };
      }
    }
    const report = (counter: ReportCounter, scoped: ScopedPdu | undefined, at?: { user: UsmUser; level: SecurityLevel }): V3Outcome => {
      const value = (stats[counter] = (stats[counter] + 1) % 2 ** 32);
      if (!(msg.msgFlags & MsgFlags.reportable)) return { kind: 'drop' };
      const pdu = encodePdu(PduTag.Report, scoped?.pdu.requestId ?? 0, 0, 0, [encodeVarbind(REPORT_OIDS[counter], encodeValue(Tag.Counter32, value))]);
      return { kind: 'report', message: this.frame(msg, encodeScopedPdu(this.engineId, scoped?.contextName ?? EMPTY, pdu), at?.level ?? 'noAuthNoPriv', at?.user) };
    };

    // 3.2.3: an unknown (e.g. empty: discovery) engine id → usmStatsUnknownEngineIDs, carrying ours.
    if (!msg.engineId.equals(this.engineId)) return report('unknownEngineIDs', plain);
    // 3.2.4
    const user = this.users.find(msg.userName);
    if (!user) return report('unknownUserNames', plain);
    // 3.2.5 (see UsmUser.minLevel)
    if (LEVEL_RANK[level] < LEVEL_RANK[user.minLevel ?? 'authPriv']) return report('unsupportedSecLevels', plain);
    this.users.localize(user, this.engineId);
    // 3.2.6
    if (!snmp.Authentication.isAuthentic(buf, AUTH, user.authKey, this.engineId, msg.authParams)) return report('wrongDigests', plain);
    // 3.2.7: authoritative timeliness; this report is authenticated so the requester may trust its clock.
    const now = this.engineTime();
    if (this.engineBoots >= MAX_ENGINE_BOOTS || msg.engineBoots !== this.engineBoots || Math.abs(msg.engineTime - now) > TIME_WINDOW_S) {
      return report('notInTimeWindows', plain, { user, level: 'authNoPriv' });
    }
    // 3.2.8
    let scoped = plain;
    if (priv) {
      try {
        if (msg.privParams.length !== 8) throw new BerError('msgPrivacyParameters must have 8 octets');
        const plaintext = Encryption.decryptPdu(PRIV, msg.data, msg.privParams, user.privKey, AUTH,
          { engineID: this.engineId, engineBoots: msg.engineBoots, engineTime: msg.engineTime });
        // CFB decryption cannot fail as such: a wrong privacy key shows as a plaintext that is not BER.
        scoped = decodeScopedPdu(plaintext);
      } catch {
        return report('decryptionErrors', undefined);
      }
    }
    if (!scoped) return { kind: 'drop' };
    // RFC 3412 §4.2.2.1: only this engine's own context is served; the default context only.
    if (scoped.contextEngineId.length > 0 && !scoped.contextEngineId.equals(this.engineId)) return report('unknownPduHandlers', scoped, { user, level });
    if (scoped.contextName.length > 0) return report('unknownContexts', scoped, { user, level });

    const contextName = scoped.contextName;
    return {
      kind: 'request',
      pdu: scoped.pdu,
      user,
      level,
      write: (user.access ?? 'readWrite') === 'readWrite',
      maxSize: Math.min(agentMaxSize, msg.msgMaxSize),
      overhead: 128 + 2 * this.engineId.length + msg.userName.length + contextName.length,
      respond: (pdu) => this.frame(msg, encodeScopedPdu(this.engineId, contextName, pdu), level, user),
    };
  }

  /** A response or report to `request`: same msgID, this engine's parameters, HMAC/encryption per `level`. */
  private frame(request: V3Message, scopedPdu: Buffer, level: SecurityLevel, user: UsmUser | undefined): Buffer {
    const auth = level !== 'noAuthNoPriv' && user !== undefined;
    const priv = level === 'authPriv' && user !== undefined;
    const engine = { engineID: this.engineId, engineBoots: this.engineBoots, engineTime: this.engineTime() };
    let data: Buffer = scopedPdu;
    let privParams = EMPTY;
    if (priv) {
      const encrypted = Encryption.encryptPdu(PRIV, scopedPdu, user.privKey, AUTH, engine);
      data = encrypted.encryptedPdu;
      privParams = encrypted.msgPrivacyParameters;
    }
    const { message, authParamsOffset } = encodeV3Message({
      msgId: request.msgId,
      msgMaxSize: 65507,
      msgFlags: (auth ? MsgFlags.auth : 0) | (priv ? MsgFlags.priv : 0),
      engineId: this.engineId,
      engineBoots: engine.engineBoots,
      engineTime: engine.engineTime,
      userName: request.userName,
      authParamsLength: auth ? AUTH_PARAMS_LENGTH : 0,
      privParams,
      data,
      encrypted: priv,
    });
    if (auth) {
      snmp.Authentication.writeParameters(message, AUTH, user.authKey, this.engineId,
        message.subarray(authParamsOffset, authParamsOffset + AUTH_PARAMS_LENGTH));
    }
    return message;
  }
}
