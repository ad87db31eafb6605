/**
 * snmp-lite: an SNMPv1/v2c/v3 responder for fleets of simulated devices. One UDP socket per device (a
 * collector sees one IP, many ports), answers Get, GetNext, GetBulk and Set from a shared MibTemplate
 * with values computed from the device's current state at request time. Nothing per object instance is
 * stored per device, so 4,000 devices cost little more than their sockets.
 *
 * SNMPv3: USM (usm.ts) with HMAC-SHA-96 / AES-128-CFB users, one engine id per device, engine-id
 * discovery and time synchronisation through Reports. No VACM: a v3 user sees the whole template.
 *
 * Not supported (on purpose, documented): traps, RowStatus creation, Set of OCTET STRING/OID objects
 * beyond what a template declares, v3 contexts other than the default one, MD5/SHA-2/DES.
 */
import dgram from 'node:dgram';
import {
  BerError, decodeRequest, encodePdu, encodeResponse, encodeValue, encodeVarbind, ErrorStatus, messageVersion, PduTag, responseOverhead, Tag,
  type RequestMessage, type RequestPdu, type SnmpValue,
} from './ber.ts';
import { oidStartsWith, type MibTemplate, type Oid } from './mib.ts';
import { UsmEngine, type UsmCounters, type UsmEngineOptions } from './usm.ts';

export type LiteFault =
  | { kind: 'silent' }
  | { kind: 'slow'; delayMs: number }
  /** Instances under `prefix` vanish: Get answers noSuchInstance, walks skip them. */
  | { kind: 'noSuchInstance'; prefix: Oid };

export interface LiteDevice<C> {
  /** A consistent snapshot for one request, or undefined when the device no longer exists (stay silent). */
  snapshot(): C | undefined;
  template(ctx: C): MibTemplate<C>;
  fault(): LiteFault | undefined;
}

export interface LiteAgentOptions {
  host: string;
  /** 0 = a free port. */
  port: number;
  /** Read community; requests with any other community (except `writeCommunity`) get no answer. */
  community: string;
  /** Community allowed to Set; Set with the read community is refused with noAccess (v2c) as snmpd does. */
  writeCommunity?: string;
  /** Largest response datagram; GetBulk answers are cut to fit (RFC 3416 §4.2.3). Default 65,507. */
  maxMessageSize?: number;
  /** SNMPv3 (USM) engine of this device; without it v3 messages are dropped. */
  v3?: UsmEngineOptions;
}

export interface LiteAgent {
  host: string;
  port: number;
  /** snmpEngineID, when the agent speaks SNMPv3. */
  engineId?: Buffer;
  /** usmStats and related counters (all zero until the first v3 message). */
  usmCounters(): UsmCounters | undefined;
  close(): Promise<void>;
}

export class LitePortInUseError extends Error {
  constructor(readonly port: number, cause?: unknown) {
    super(`UDP port ${port} is already in use`, { cause });
    this.name = 'LitePortInUseError';
  }
}

const MAX_BULK_REPETITIONS = 1000;

/**
 * Answer one datagram. Returns the response bytes, or undefined when the request must not be answered
 * (wrong community, malformed, unsupported version or PDU, silent fault). Exported for unit tests and
 * for hosts that share one socket between devices.
 */
export function answerRequest<C>(device: LiteDevice<C>, request: Buffer, opts: LiteAgentOptions, usm?: UsmEngine): Buffer | undefined {
  let version: number;
  try {
    version = messageVersion(request);
  } catch (err) {
    if (err instanceof BerError) return undefined;
    throw err;
  }
  const maxSize = Math.min(opts.maxMessageSize ?? 65507, 65507);
  if (version === 3) {
    if (!usm || !deviceAnswers(device)) return undefined;
    const outcome = usm.process(request, maxSize);
    if (outcome.kind === 'drop') return undefined;
    if (outcome.kind === 'report') return outcome.message;
    const { pdu } = outcome;
    const respond = (varbinds: Buffer[], errorStatus = 0, errorIndex = 0) =>
      outcome.respond(encodePdu(PduTag.Response, pdu.requestId, errorStatus, errorIndex, varbinds));
    return answerPdu(device, pdu, { v1: false, write: outcome.write }, outcome.maxSize, outcome.maxSize - outcome.overhead, respond);
  }
  let msg: RequestMessage;
  try {
    msg = decodeRequest(request);
  } catch (err) {
    if (err instanceof BerError) return undefined;
    throw err;
  }
  const isWriteCommunity = opts.writeCommunity !== undefined && msg.community === opts.writeCommunity;
  if (msg.community !== opts.community && !isWriteCommunity) return undefined;
  const community = Buffer.from(msg.community, 'latin1');
  const respond = (varbinds: Buffer[], errorStatus = 0, errorIndex = 0) =>
    encodeResponse({ version: msg.version, community, requestId: msg.requestId, errorStatus, errorIndex }, varbinds);
  return answerPdu(device, msg, { v1: msg.version === 0, write: isWriteCommunity }, maxSize, maxSize - responseOverhead(community), respond);
}

/** Whether the device exists and is not silenced by a fault (checked before any v3 security work). */
function deviceAnswers<C>(device: LiteDevice<C>): boolean {
  return device.snapshot() !== undefined && device.fault()?.kind !== 'silent';
}

/**
 * Answers one request PDU, whatever frame carried it. `respond` encodes the complete response message;
 * `budget` is what the varbinds of a GetBulk answer may take so the message stays within `maxSize`.
 */
function answerPdu<C>(
  device: LiteDevice<C>, msg: RequestPdu, access: { v1: boolean; write: boolean }, maxSize: number, budget: number,
  respond: (varbinds: Buffer[], errorStatus?: number, errorIndex?: number) => Buffer,
): Buffer | undefined {
  const ctx = device.snapshot();
  if (ctx === undefined) return undefined;
  const fault = device.fault();
  if (fault?.kind === 'silent') return undefined;
  const hidden = fault?.kind === 'noSuchInstance' ? fault.prefix : undefined;
  const template = device.template(ctx);
  const isHidden = (oid: Oid) => hidden !== undefined && oidStartsWith(oid, hidden);
  const v1 = access.v1;
  const isWriteCommunity = access.write;

  const echo = () => msg.varbinds.map((vb) => encodeVarbind(encodeValue(Tag.ObjectIdentifier, vb.oid), encodeValue(vb.type, vb.value)));

  const readEntry = (index: number): Buffer => {
    const entry = template.entries[index];
    return encodeVarbind(entry.oidTlv, encodeValue(entry.type, entry.read(ctx)));
  };
  const nextVisible = (from: number): number => {
    let i = from;
    // SNMPv1 cannot carry Counter64: such instances are skipped, as RFC 2576 §4.2.1 prescribes.
    while (i < template.entries.length && (isHidden(template.entries[i].oid) || (v1 && template.entries[i].type === Tag.Counter64))) i++;
    return i;
  };
  const exception = (oid: number[], type: number) => encodeVarbind(encodeValue(Tag.ObjectIdentifier, oid), encodeValue(type, null));

  switch (msg.pduType) {
    case PduTag.GetRequest: {
      const out: Buffer[] = [];
      for (let n = 0; n < msg.varbinds.length; n++) {
        const oid = msg.varbinds[n].oid;
        const i = template.indexOf(oid);
        if (i >= 0 && !isHidden(oid)) {
          out.push(readEntry(i));
          continue;
        }
        if (v1) return respond(echo(), ErrorStatus.noSuchName, n + 1);
        out.push(exception(oid, i >= 0 || template.hasObjectFor(oid) ? Tag.NoSuchInstance : Tag.NoSuchObject));
      }
      return sized(respond(out), maxSize, () => respond([], ErrorStatus.tooBig, 0));
    }
    case PduTag.GetNextRequest: {
      const out: Buffer[] = [];
      for (let n = 0; n < msg.varbinds.length; n++) {
        const oid = msg.varbinds[n].oid;
        const i = nextVisible(template.nextIndex(oid));
        if (i < template.entries.length) out.push(readEntry(i));
        else if (v1) return respond(echo(), ErrorStatus.noSuchName, n + 1);
        else out.push(exception(oid, Tag.EndOfMibView));
      }
      return sized(respond(out), maxSize, () => respond([], ErrorStatus.tooBig, 0));
    }
    case PduTag.GetBulkRequest: {
      if (v1) return undefined;
      const nonRepeaters = Math.max(0, Math.min(msg.field1, msg.varbinds.length));
      const maxRepetitions = Math.max(0, Math.min(msg.field2, MAX_BULK_REPETITIONS));
      const out: Buffer[] = [];
      let used = 0;
      const add = (vb: Buffer): boolean => {
        if (used + vb.length > budget) return false;
        out.push(vb);
        used += vb.length;
        return true;
      };
      for (let n = 0; n < nonRepeaters; n++) {
        const oid = msg.varbinds[n].oid;
        const i = nextVisible(template.nextIndex(oid));
        const vb = i < template.entries.length ? readEntry(i) : exception(oid, Tag.EndOfMibView);
        if (!add(vb)) return respond(out);
      }
      const repeaters = msg.varbinds.slice(nonRepeaters);
      // Per repeater: the index of its last answered instance, or -1 once it reached endOfMibView.
      const cursors = repeaters.map((vb) => ({ oid: vb.oid, index: nextVisible(template.nextIndex(vb.oid)) }));
      for (let r = 0; r < maxRepetitions && repeaters.length > 0; r++) {
        let anyLeft = false;
        for (const cursor of cursors) {
          let vb: Buffer;
          if (cursor.index < template.entries.length) {
            vb = readEntry(cursor.index);
            cursor.oid = template.entries[cursor.index].oid;
            cursor.index = nextVisible(cursor.index + 1);
            anyLeft = true;
          } else {
            vb = exception(cursor.oid as number[], Tag.EndOfMibView);
          }
          if (!add(vb)) return respond(out);
        }
        // Like snmpd, stop once every repeater is past the end instead of padding with endOfMibView.
        if (!anyLeft) break;
      }
      return respond(out);
    }
    case PduTag.SetRequest: {
      if (!isWriteCommunity) {
        // snmpd: v2c/v3 → noAccess; v1 → noSuchName (RFC 2576 §4.3).
        return respond(echo(), v1 ? ErrorStatus.noSuchName : ErrorStatus.noAccess, msg.varbinds.length > 0 ? 1 : 0);
      }
      const targets: number[] = [];
      for (let n = 0; n < msg.varbinds.length; n++) {
        const { oid, type, value } = msg.varbinds[n];
        const i = isHidden(oid) ? -1 : template.indexOf(oid);
        let status: number = ErrorStatus.noError;
        if (i < 0) status = template.hasObjectFor(oid) ? ErrorStatus.noCreation : ErrorStatus.notWritable;
        else if (!template.entries[i].write) status = ErrorStatus.notWritable;
        else status = template.entries[i].write!.check(ctx, type, value);
        if (status !== ErrorStatus.noError) return respond(echo(), v1 ? v1SetError(status) : status, n + 1);
        targets.push(i);
      }
      for (let n = 0; n < targets.length; n++) template.entries[targets[n]].write!.apply(ctx, msg.varbinds[n].value as SnmpValue);
      return respond(echo());
    }
    default:
      // Responses, traps, informs and reports are not requests an agent answers.
      return undefined;
  }
}

function v1SetError(status: number): number {
  if (status === ErrorStatus.wrongType || status === ErrorStatus.wrongValue || status === ErrorStatus.wrongLength) return ErrorStatus.badValue;
  if (status === ErrorStatus.notWritable || status === ErrorStatus.noCreation || status === ErrorStatus.noAccess) return ErrorStatus.noSuchName;
  return ErrorStatus.genErr;
}

function sized(response: Buffer, maxSize: number, tooBig: () => Buffer): Buffer {
  return response.length <= maxSize ? response : tooBig();
}

/** Bind one UDP socket and answer requests for `device` on it. */
export function startLiteAgent<C>(device: LiteDevice<C>, opts: LiteAgentOptions): Promise<LiteAgent> {
  const socket = dgram.createSocket({ type: opts.host.includes(':') ? 'udp6' : 'udp4' });
  const pending = new Set<NodeJS.Timeout>();
  let closed = false;
  const usm = opts.v3 ? new UsmEngine(opts.v3) : undefined;

  socket.on('message', (request, rinfo) => {
    let response: Buffer | undefined;
    try {
      response = answerRequest(device, request, opts, usm);
    } catch (err) {
      process.emitWarning(`snmp-lite: request failed: ${(err as Error).message}`);
      return;
    }
    if (!response) return;
    const send = () => {
      if (!closed) socket.send(response!, rinfo.port, rinfo.address, () => { /* loss is UDP's nature */ });
    };
    const fault = device.fault();
    if (fault?.kind === 'slow' && fault.delayMs > 0) {
      const timer = setTimeout(() => {
        pending.delete(timer);
        send();
      }, fault.delayMs);
      pending.add(timer);
    } else {
      send();
    }
  });

  return new Promise<LiteAgent>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      socket.close();
      reject(err.code === 'EADDRINUSE' ? new LitePortInUseError(opts.port, err) : err);
    };
    socket.once('error', onError);
    socket.bind(opts.port, opts.host, () => {
      socket.off('error', onError);
      // After binding, socket errors (e.g. ICMP port unreachable on some platforms) must not crash the host.
      socket.on('error', (err) => process.emitWarning(`snmp-lite ${opts.host}:${opts.port}: ${err.message}`));
      resolve({
        host: opts.host,
        port: socket.address().port,
        engineId: usm?.engineId,
        usmCounters: () => usm?.counters(),
        close: () => new Promise<void>((done) => {
          if (closed) return done();
          closed = true;
          for (const timer of pending) clearTimeout(timer);
          pending.clear();
          socket.close(() => done());
        }),
      });
    });
  });
}
