/**
 * The small part of BER (X.690) that SNMP messages use: v1/v2c community messages, the SNMPv3 message
 * frame (RFC 3412 §6) with its USM security parameters (RFC 3414 §2.4), RFC 3416 PDUs and RFC 2578 SMI types.
 * Hand-written instead of reusing net-snmp's internal codec because net-snmp does not export its
 * `Message` class, and because a fleet of thousands of simulated devices wants the hot path (encoding
 * a varbind) free of per-call object graphs: OIDs of a MIB template are encoded once and reused.
 */

export const Tag = {
  Integer: 0x02,
  OctetString: 0x04,
  Null: 0x05,
  ObjectIdentifier: 0x06,
  Sequence: 0x30,
  IpAddress: 0x40,
  Counter32: 0x41,
  Gauge32: 0x42,
  TimeTicks: 0x43,
  Opaque: 0x44,
  Counter64: 0x46,
  NoSuchObject: 0x80,
  NoSuchInstance: 0x81,
  EndOfMibView: 0x82,
} as const;

export const PduTag = {
  GetRequest: 0xa0,
  GetNextRequest: 0xa1,
  Response: 0xa2,
  SetRequest: 0xa3,
  GetBulkRequest: 0xa5,
  InformRequest: 0xa6,
  SNMPv2Trap: 0xa7,
  Report: 0xa8,
} as const;

/** RFC 3416 error-status values used by the responder. */
export const ErrorStatus = {
  noError: 0,
  tooBig: 1,
  noSuchName: 2,
  badValue: 3,
  genErr: 5,
  noAccess: 6,
  wrongType: 7,
  wrongLength: 8,
  wrongValue: 10,
  noCreation: 11,
  inconsistentValue: 12,
  notWritable: 17,
} as const;

export type SnmpValue = number | bigint | string | Buffer | number[] | null;

export interface Varbind {
  oid: number[];
  /** BER tag of the value (Tag.*). */
  type: number;
  value: SnmpValue;
}

/** The PDU of a request, whatever message frame carried it. */
export interface RequestPdu {
  pduType: number;
  requestId: number;
  /** error-status for Get/GetNext/Set, non-repeaters for GetBulk. */
  field1: number;
  /** error-index for Get/GetNext/Set, max-repetitions for GetBulk. */
  field2: number;
  varbinds: Varbind[];
}

/** msgFlags bits (RFC 3412 §6.4). */
export const MsgFlags = { auth: 0x01, priv: 0x02, reportable: 0x04 } as const;

/** An SNMPv3 message as received: header, USM security parameters and the (possibly encrypted) scopedPDU. */
export interface V3Message {
  msgId: number;
  msgMaxSize: number;
  msgFlags: number;
  securityModel: number;
  engineId: Buffer;
  engineBoots: number;
  engineTime: number;
  userName: Buffer;
  /** A view into the received datagram (HMAC verification zeroes it in place, then restores it). */
  authParams: Buffer;
  privParams: Buffer;
  /** True when msgData is an encryptedPDU OCTET STRING; `data` is then the ciphertext, else the scopedPDU TLV. */
  encrypted: boolean;
  data: Buffer;
}

export interface ScopedPdu {
  contextEngineId: Buffer;
  contextName: Buffer;
  pdu: RequestPdu;
}

export interface RequestMessage {
  /** 0 = v1, 1 = v2c. */
  version: number;
  community: string;
  pduType: number;
  requestId: number;
  /** error-status for Get/GetNext/Set, non-repeaters for GetBulk. */
  field1: number;
  /** error-index for Get/GetNext/Set, max-repetitions for GetBulk. */
  field2: number;
  varbinds: Varbind[];
}

export class BerError extends Error {}

// ---------------------------------------------------------------- decoding

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  readTag(): number {
    if (this.pos >= this.buf.length) throw new BerError('truncated tag');
    return this.buf[this.pos++];
  }

  readLength(): number {
    if (this.pos >= this.buf.length) throw new BerError('truncated length');
    const first = this.buf[this.pos++];
    if (first < 0x80) return this.checkFits(first);
    const octets = first & 0x7f;
    if (octets === 0 || octets > 4) throw new BerError('unsupported length form');
    let length = 0;
    for (let i = 0; i < octets; i++) {
      if (this.pos >= this.buf.length) throw new BerError('truncated length');
      length = length * 256 + this.buf[this.pos++];
    }
    return this.checkFits(length);
  }

  private checkFits(length: number): number {
    if (this.pos + length > this.buf.length) throw new BerError('length beyond end of message');
    return length;
  }

  /** Reads one TLV and returns its tag and content bounds. */
  readTlv(): { tag: number; start: number; end: number } {
    const tag = this.readTag();
    const length = this.readLength();
    const start = this.pos;
    this.pos += length;
    return { tag, start, end: start + length };
  }

  enter(expectedTag?: number): { tag: number; end: number } {
    const tag = this.readTag();
    if (expectedTag !== undefined && tag !== expectedTag) throw new BerError(`expected tag 0x${expectedTag.toString(16)}, got 0x${tag.toString(16)}`);
    const length = this.readLength();
    return { tag, end: this.pos + length };
  }

  readSignedInteger(): number {
    const { tag, start, end } = this.readTlv();
    if (tag !== Tag.Integer) throw new BerError('expected INTEGER');
    return decodeSigned(this.buf, start, end);
  }

  readOctetString(): Buffer {
    const { tag, start, end } = this.readTlv();
    if (tag !== Tag.OctetString) throw new BerError('expected OCTET STRING');
    return this.buf.subarray(start, end);
  }

  readValue(): { type: number; value: SnmpValue } {
    const { tag, start, end } = this.readTlv();
    const content = this.buf.subarray(start, end);
    switch (tag) {
      case Tag.Integer: return { type: tag, value: decodeSigned(this.buf, start, end) };
      case Tag.Counter32: case Tag.Gauge32: case Tag.TimeTicks: return { type: tag, value: decodeUnsigned(content) };
      case Tag.Counter64: return { type: tag, value: decodeUnsigned64(content) };
      case Tag.ObjectIdentifier: return { type: tag, value: decodeOid(content) };
      case Tag.Null: case Tag.NoSuchObject: case Tag.NoSuchInstance: case Tag.EndOfMibView: return { type: tag, value: null };
      default: return { type: tag, value: Buffer.from(content) };
    }
  }
}

function decodeSigned(buf: Buffer, start: number, end: number): number {
  const length = end - start;
  if (length === 0 || length > 6) throw new BerError('INTEGER length out of range');
  let value = 0;
  for (let i = start; i < end; i++) value = value * 256 + buf[i];
  // Two's complement: a set top bit means the value is negative.
  return buf[start] & 0x80 ? value - 2 ** (8 * length) : value;
}

function decodeUnsigned(content: Buffer): number {
  if (content.length === 0 || content.length > 5) throw new BerError('unsigned length out of range');
  let value = 0;
  for (const byte of content) value = value * 256 + byte;
  return value;
}

function decodeUnsigned64(content: Buffer): bigint {
  if (content.length === 0 || content.length > 9) throw new BerError('Counter64 length out of range');
  let value = 0n;
  for (const byte of content) value = (value << 8n) | BigInt(byte);
  return value;
}

export function decodeOid(content: Buffer): number[] {
  if (content.length === 0) throw new BerError('empty OID');
  const oid: number[] = [];
  let sub = 0;
  let first = true;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i];
    sub = sub * 128 + (byte & 0x7f);
    if (sub > 0xffffffff) throw new BerError('OID sub-identifier too large');
    if (byte & 0x80) continue;
    if (first) {
      const top = sub < 40 ? 0 : sub < 80 ? 1 : 2;
      oid.push(top, sub - top * 40);
      first = false;
    } else {
      oid.push(sub);
    }
    sub = 0;
  }
  if (content[content.length - 1] & 0x80) throw new BerError('truncated OID');
  return oid;
}

function readPdu(r: Reader, buf: Buffer): RequestPdu {
  const pdu = r.enter();
  if ((pdu.tag & 0xe0) !== 0xa0) throw new BerError(`expected a PDU, got tag 0x${pdu.tag.toString(16)}`);
  const requestId = r.readSignedInteger();
  const field1 = r.readSignedInteger();
  const field2 = r.readSignedInteger();
  const list = r.enter(Tag.Sequence);
  const varbinds: Varbind[] = [];
  while (r.pos < list.end) {
    r.enter(Tag.Sequence);
    const oidTlv = r.readTlv();
    if (oidTlv.tag !== Tag.ObjectIdentifier) throw new BerError('varbind without OID');
    const oid = decodeOid(buf.subarray(oidTlv.start, oidTlv.end));
    const { type, value } = r.readValue();
    varbinds.push({ oid, type, value });
  }
  return { pduType: pdu.tag, requestId, field1, field2, varbinds };
}

/** The msgVersion of any SNMP message (0 = v1, 1 = v2c, 3 = v3). Throws BerError when it has none. */
export function messageVersion(buf: Buffer): number {
  const r = new Reader(buf);
  r.enter(Tag.Sequence);
  return r.readSignedInteger();
}

/** Decodes an SNMPv1/v2c message. Throws BerError for anything malformed or of another version. */
export function decodeRequest(buf: Buffer): RequestMessage {
  const r = new Reader(buf);
  r.enter(Tag.Sequence);
  const version = r.readSignedInteger();
  if (version !== 0 && version !== 1) throw new BerError(`unsupported SNMP version ${version}`);
  const community = r.readOctetString().toString('latin1');
  return { version, community, ...readPdu(r, buf) };
}

/** Decodes the frame of an SNMPv3 message (RFC 3412 §6) with USM parameters; the scopedPDU stays undecoded. */
export function decodeV3Message(buf: Buffer): V3Message {
  const r = new Reader(buf);
  r.enter(Tag.Sequence);
  if (r.readSignedInteger() !== 3) throw new BerError('not an SNMPv3 message');
  const header = r.enter(Tag.Sequence);
  const msgId = r.readSignedInteger();
  const msgMaxSize = r.readSignedInteger();
  const flags = r.readOctetString();
  if (flags.length !== 1) throw new BerError('msgFlags must be one octet');
  const securityModel = r.readSignedInteger();
  if (r.pos !== header.end) throw new BerError('trailing data in msgGlobalData');
  // msgSecurityParameters: an OCTET STRING holding the BER of UsmSecurityParameters (RFC 3414 §2.4).
  const secParams = r.readTlv();
  if (secParams.tag !== Tag.OctetString) throw new BerError('expected msgSecurityParameters');
  const afterSecParams = r.pos;
  r.pos = secParams.start;
  const usm = r.enter(Tag.Sequence);
  if (usm.end !== secParams.end) throw new BerError('malformed UsmSecurityParameters');
  const engineId = r.readOctetString();
  const engineBoots = r.readSignedInteger();
  const engineTime = r.readSignedInteger();
  const userName = r.readOctetString();
  const authParams = r.readOctetString();
  const privParams = r.readOctetString();
  r.pos = afterSecParams;
  const dataStart = r.pos;
  const data = r.readTlv();
  if (data.tag !== Tag.Sequence && data.tag !== Tag.OctetString) throw new BerError('expected a scopedPDU or an encryptedPDU');
  const encrypted = data.tag === Tag.OctetString;
  return {
    msgId, msgMaxSize, msgFlags: flags[0], securityModel, engineId, engineBoots, engineTime, userName, authParams, privParams,
    encrypted, data: encrypted ? buf.subarray(data.start, data.end) : buf.subarray(dataStart, data.end),
  };
}

/**
 * Decodes a scopedPDU (RFC 3412 §6.8). Trailing bytes after it are ignored: block ciphers pad the
 * plaintext (AES-CFB does not, DES-CBC does).
 */
export function decodeScopedPdu(buf: Buffer): ScopedPdu {
  const r = new Reader(buf);
  r.enter(Tag.Sequence);
  const contextEngineId = r.readOctetString();
  const contextName = r.readOctetString();
  return { contextEngineId, contextName, pdu: readPdu(r, buf) };
}

// ---------------------------------------------------------------- encoding

function lengthBytes(length: number): number[] {
  if (length < 0x80) return [length];
  if (length < 0x100) return [0x81, length];
  if (length < 0x10000) return [0x82, length >> 8, length & 0xff];
  return [0x83, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff];
}

export function encodeTlv(tag: number, content: Buffer): Buffer {
  const header = lengthBytes(content.length);
  const out = Buffer.allocUnsafe(1 + header.length + content.length);
  out[0] = tag;
  for (let i = 0; i < header.length; i++) out[1 + i] = header[i];
  content.copy(out, 1 + header.length);
  return out;
}

function signedContent(value: number): Buffer {
  if (!Number.isInteger(value) || value < -2147483648 || value > 2147483647) throw new RangeError(`INTEGER out of range: ${value}`);
  const bytes: number[] = [];
  let v = value;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (!((v === 0 && (bytes[0] & 0x80) === 0) || (v === -1 && (bytes[0] & 0x80) !== 0)));
  return Buffer.from(bytes);
}

function unsignedContent(value: number): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`unsigned 32-bit value out of range: ${value}`);
  const bytes: number[] = [];
  let v = value;
  do {
    bytes.unshift(v % 256);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (bytes[0] & 0x80) bytes.unshift(0);
  return Buffer.from(bytes);
}

function unsigned64Content(value: bigint): Buffer {
  if (value < 0n || value > 0xffffffffffffffffn) throw new RangeError(`Counter64 out of range: ${value}`);
  const bytes: number[] = [];
  let v = value;
  do {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  } while (v > 0n);
  if (bytes[0] & 0x80) bytes.unshift(0);
  return Buffer.from(bytes);
}

function oidContent(oid: readonly number[]): Buffer {
  if (oid.length < 2) throw new RangeError('OID needs at least two sub-identifiers');
  const bytes: number[] = [];
  const pushSub = (sub: number) => {
    const chunk = [sub & 0x7f];
    let v = Math.floor(sub / 128);
    while (v > 0) {
      chunk.unshift((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(...chunk);
  };
  pushSub(oid[0] * 40 + oid[1]);
  for (let i = 2; i < oid.length; i++) pushSub(oid[i]);
  return Buffer.from(bytes);
}

/** The complete OID TLV (tag, length, content); cache it per MIB entry. */
export function encodeOid(oid: readonly number[]): Buffer {
  return encodeTlv(Tag.ObjectIdentifier, oidContent(oid));
}

const NULL_CONTENT = Buffer.alloc(0);

export function encodeValue(type: number, value: SnmpValue): Buffer {
  switch (type) {
    case Tag.Integer: return encodeTlv(type, signedContent(value as number));
    case Tag.Counter32: case Tag.Gauge32: case Tag.TimeTicks: return encodeTlv(type, unsignedContent(value as number));
    case Tag.Counter64: return encodeTlv(type, unsigned64Content(typeof value === 'bigint' ? value : BigInt(value as number)));
    case Tag.OctetString: case Tag.Opaque: case Tag.IpAddress:
      return encodeTlv(type, typeof value === 'string' ? Buffer.from(value, 'utf8') : (value as Buffer));
    case Tag.ObjectIdentifier: return encodeTlv(type, oidContent(value as number[]));
    case Tag.Null: case Tag.NoSuchObject: case Tag.NoSuchInstance: case Tag.EndOfMibView: return encodeTlv(type, NULL_CONTENT);
    default: throw new RangeError(`cannot encode value of type 0x${type.toString(16)}`);
  }
}

/** One varbind SEQUENCE from a pre-encoded OID TLV and an encoded value TLV. */
export function encodeVarbind(oidTlv: Buffer, valueTlv: Buffer): Buffer {
  return encodeTlv(Tag.Sequence, Buffer.concat([oidTlv, valueTlv]));
}

export interface ResponseFrame {
  version: number;
  community: Buffer;
  requestId: number;
  errorStatus: number;
  errorIndex: number;
}

/**
 * Bytes a Response message adds around its encoded varbinds (upper bound), so a GetBulk answer can be
 * cut to the maximum message size before it is encoded.
 */
export function responseOverhead(community: Buffer): number {
  // outer SEQUENCE(4+) + version(3) + community(2+len+2) + PDU(4) + 3 INTEGERs(6 each) + varbind list(4)
  return 4 + 3 + 4 + community.length + 4 + 18 + 4;
}

/** An INTEGER TLV (32-bit signed). */
export function encodeInteger(value: number): Buffer {
  return encodeTlv(Tag.Integer, signedContent(value));
}

/** A PDU of any type (Response, Report, ...) around encoded varbinds. */
export function encodePdu(tag: number, requestId: number, errorStatus: number, errorIndex: number, encodedVarbinds: Buffer[]): Buffer {
  return encodeTlv(tag, Buffer.concat([
    encodeInteger(requestId),
    encodeInteger(errorStatus),
    encodeInteger(errorIndex),
    encodeTlv(Tag.Sequence, Buffer.concat(encodedVarbinds)),
  ]));
}

export function encodeResponse(frame: ResponseFrame, encodedVarbinds: Buffer[]): Buffer {
  const pdu = encodePdu(PduTag.Response, frame.requestId, frame.errorStatus, frame.errorIndex, encodedVarbinds);
  return encodeTlv(Tag.Sequence, Buffer.concat([
    encodeTlv(Tag.Integer, signedContent(frame.version)),
    encodeTlv(Tag.OctetString, frame.community),
    pdu,
  ]));
}

export interface V3ResponseFrame {
  msgId: number;
  msgMaxSize: number;
  msgFlags: number;
  engineId: Buffer;
  engineBoots: number;
  engineTime: number;
  userName: Buffer;
  /** Length of the (zero-filled) msgAuthenticationParameters to reserve; 0 without authentication. */
  authParamsLength: number;
  privParams: Buffer;
  /** The scopedPDU TLV, or the ciphertext of it when `encrypted`. */
  data: Buffer;
  encrypted: boolean;
}

/**
 * Encodes an SNMPv3 message with USM security parameters. Returns the message and the offset of the
 * zero-filled msgAuthenticationParameters, for the HMAC to be written in place.
 */
export function encodeV3Message(frame: V3ResponseFrame): { message: Buffer; authParamsOffset: number } {
  const version = encodeInteger(3);
  const header = encodeTlv(Tag.Sequence, Buffer.concat([
    encodeInteger(frame.msgId),
    encodeInteger(frame.msgMaxSize),
    encodeTlv(Tag.OctetString, Buffer.from([frame.msgFlags])),
    encodeInteger(3),
  ]));
  const beforeAuth = Buffer.concat([
    encodeTlv(Tag.OctetString, frame.engineId),
    encodeInteger(frame.engineBoots),
    encodeInteger(frame.engineTime),
    encodeTlv(Tag.OctetString, frame.userName),
  ]);
  const authTlv = encodeTlv(Tag.OctetString, Buffer.alloc(frame.authParamsLength));
  const usmContent = Buffer.concat([beforeAuth, authTlv, encodeTlv(Tag.OctetString, frame.privParams)]);
  const usm = encodeTlv(Tag.Sequence, usmContent);
  const secParams = encodeTlv(Tag.OctetString, usm);
  const data = frame.encrypted ? encodeTlv(Tag.OctetString, frame.data) : frame.data;
  const content = Buffer.concat([version, header, secParams, data]);
  const message = encodeTlv(Tag.Sequence, content);
  const authParamsOffset = (message.length - content.length) + version.length + header.length
    + (secParams.length - usm.length) + (usm.length - usmContent.length) + beforeAuth.length + (authTlv.length - frame.authParamsLength);
  return { message, authParamsOffset };
}

/** A scopedPDU TLV (RFC 3412 §6.8). */
export function encodeScopedPdu(contextEngineId: Buffer, contextName: Buffer, pdu: Buffer): Buffer {
  return encodeTlv(Tag.Sequence, Buffer.concat([encodeTlv(Tag.OctetString, contextEngineId), encodeTlv(Tag.OctetString, contextName), pdu]));
}
