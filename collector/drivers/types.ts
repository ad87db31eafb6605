/**
 * One small interface for every protocol driver (SNMP and Modbus now; MQTT later). A driver reads all
 * points of one target according to its profile and returns one reading per point, never fewer:
 * unreadable points come back with value null and a quality that says why.
 */
import type { SampleQuality } from '../../server/contracts/ingest.ts';
import type { RawIdentity } from '../identity.ts';
import type { Profile } from '../profile.ts';

/** Where a device answers and how to talk to it: shared by the configured target and the driver's view. */
export interface DeviceAddress {
  host: string;
  port: number;
  /** SNMP v1/v2c community. */
  community?: string;
  /** SNMPv3 USM user (authPriv); when set the device is polled over v3 instead of v2c. */
  v3?: SnmpV3User;
  /** Modbus unit id; overrides the profile's `unitId` (default 1). */
  unitId?: number;
  /** Modbus word order of this installation (e.g. a meter set to low word first); overrides the profile's
   * default (a field's own wins). */
  wordOrder?: 'ABCD' | 'CDAB' | 'BADC' | 'DCBA';
  /** Modbus framing: MBAP over TCP (default) or RTU frames through a TCP serial gateway. */
  transport?: 'tcp' | 'rtu-over-tcp';
}

export interface PollTarget extends DeviceAddress {
  device: string;
  /** Per-request timeout; the scheduler's deadline bounds the whole poll. */
  timeoutMs?: number;
  retries?: number;
}

export interface SnmpV3User {
  user: string;
  authKey: string;
  privKey: string;
  /** Default sha (HMAC-SHA-96). */
  authProtocol?: 'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
  /** Default aes (AES-128-CFB). */
  privProtocol?: 'des' | 'aes' | 'aes256b' | 'aes256r';
}

export interface RawReading {
  metric: string;
  value: number | null;
  quality: SampleQuality;
  /** Points a profile does not list one by one (SNMP table rows): how to declare the point. */
  decl?: { unit: string; kind: 'gauge' | 'counter'; role?: string; description?: string; states?: Record<string, string> };
}

export interface Driver {
  poll(target: PollTarget, profile: Profile, signal: AbortSignal): Promise<RawReading[]>;
  /**
   * What the device says about itself, read where the profile's `identity` section says (undefined when the
   * profile maps none). Fields the device does not have are left out; rejects when the device does not answer.
   * Never disturbs polling: a failed identity read leaves the poll session alone.
   */
  readIdentity?(target: PollTarget, profile: Profile, signal: AbortSignal): Promise<RawIdentity | undefined>;
  close(): Promise<void>;
}

/** Every point of the profile with the same bad quality, e.g. when the device does not answer. */
export function allPoints(profile: Profile, quality: Exclude<SampleQuality, 'ok'>): RawReading[] {
  return profile.points.map((p) => ({ metric: p.metric, value: null, quality }));
}
