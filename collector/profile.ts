/**
 * Device profiles are data (YAML in collector/profiles): which OIDs or registers to read and how to turn raw values
 * into metrics with units. This module loads and validates them; errors name the file, the field path
 * and the line.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { DEVICE_KINDS } from '../server/contracts/ingest.ts';
import { modbusProfileFields } from './drivers/modbus/profile-schema.ts';
import { checkMqttProfile, mqttProfileFields } from './drivers/mqtt/profile-schema.ts';
import { checkSnmpTraps, snmpPointSchema, snmpProfileFields, type SnmpProfilePoint } from './drivers/snmp/profile-schema.ts';
import { commonPointFields } from './profile-common.ts';

export const PROFILES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'profiles');

export { snmpPointSchema, type SnmpProfilePoint };
export type { SnmpColumnPoint, SnmpTable } from './drivers/snmp/profile-schema.ts';
/** @deprecated the SNMP point; use SnmpProfilePoint (kept for existing imports). */
export const profilePointSchema = snmpPointSchema;
/** @deprecated use SnmpProfilePoint. */
export type ProfilePoint = SnmpProfilePoint;
export type { ModbusProfilePoint } from './drivers/modbus/profile-schema.ts';
export type { MqttProfilePoint } from './drivers/mqtt/profile-schema.ts';

const profileFields = {
  model: z.string().min(1).max(128),
  description: z.string().max(1024).optional(),
  kind: z.enum(DEVICE_KINDS),
  vendor: z.string().max(128).optional(),
};

const snmpProfileSchema = z.strictObject({ ...profileFields, protocol: z.literal('snmp'), ...snmpProfileFields }).superRefine(checkSnmpTraps);
const modbusProfileSchema = z.strictObject({ ...profileFields, protocol: z.literal('modbus'), ...modbusProfileFields });
const mqttProfileSchema = z.strictObject({ ...profileFields, protocol: z.literal('mqtt'), ...mqttProfileFields }).superRefine(checkMqttProfile);

/** A profile is one of the per-protocol shapes, chosen by `protocol`. */
export const profileSchema = z.discriminatedUnion('protocol', [snmpProfileSchema, modbusProfileSchema, mqttProfileSchema], {
  error: (issue) => (issue.code === 'invalid_union'
    ? 'protocol must be snmp, modbus or mqtt'
    : undefined),
}).superRefine((profile, ctx) => {
  const metrics = new Map<string, number>();
  profile.points.forEach((p, i) => {
    const first = metrics.get(p.metric);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['points', i, 'metric'], message: `duplicate metric '${p.metric}' (also points[${first}])` });
    else metrics.set(p.metric, i);
  });
});

type ProfileSource = { name: string; file: string };
export type SnmpProfile = z.infer<typeof snmpProfileSchema> & ProfileSource;
export type ModbusProfile = z.infer<typeof modbusProfileSchema> & ProfileSource;
export type MqttProfile = z.infer<typeof mqttProfileSchema> & ProfileSource;
/** Profile name: the file name without extension, e.g. `rfc1628-ups`; file: where it was loaded from. */
export type Profile = SnmpProfile | ModbusProfile | MqttProfile;
/** Any protocol's point: the common fields are metric, unit, kind, role, description, states, sentinels, valid. */
export type AnyProfilePoint = Profile['points'][number];


export class ProfileError extends Error {
  constructor(readonly file: string, readonly field: string, readonly line: number | undefined, readonly reason: string) {
    super(`profile ${file}${line ? `:${line}` : ''}: ${field ? `${field}: ` : ''}${reason}`);
    this.name = 'ProfileError';
  }
}

/** `rfc1628-ups` → collector/profiles/rfc1628-ups.yaml; anything with a slash or .yaml/.yml is a path. */
export function resolveProfilePath(nameOrPath: string): string {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.includes('\\') || ['.yaml', '.yml'].includes(extname(nameOrPath));
  if (looksLikePath) return isAbsolute(nameOrPath) ? nameOrPath : resolve(nameOrPath);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(nameOrPath)) throw new Error(`invalid profile name '${nameOrPath}'`);
  return join(PROFILES_DIR, `${nameOrPath}.yaml`);
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

/** Line of the deepest YAML node that exists along `path` (1-based). */
function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth) as unknown[], true);
    if (node && (isScalar(node) || isMap(node) || isSeq(node)) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

export function parseProfile(text: string, file: string): Profile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    throw new ProfileError(file, '', lines.linePos(err.pos[0]).line, `invalid YAML: ${err.message.split('\n')[0]}`);
  }
  const result = profileSchema.safeParse(doc.toJS());
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ProfileError(file, formatPath(issue.path), lineOf(doc, lines, issue.path), issue.message);
  }
  return { ...result.data, name: basename(file, extname(file)), file };
}

const cache = new Map<string, Promise<Profile>>();

/** The profiles shipped in collector/profiles, by name, with their protocol (checked when loaded). */
export const SHIPPED_PROFILE_PROTOCOLS = {
  'rfc1628-ups': 'snmp',
  'raritan-px2': 'snmp',
  'servertech-sentry4': 'snmp',
  'entity-sensor': 'snmp',
  'apc-powernet-ups': 'snmp',
  'apc-ups-modbus': 'modbus',
  'liebert-icom': 'modbus',
  'kiban-energy-meter': 'modbus',
  'kiban-water-meter': 'modbus',
  'kiban-rack-env-json': 'mqtt',
} as const;
type ShippedProfileName = keyof typeof SHIPPED_PROFILE_PROTOCOLS;
/** A shipped profile's name gives its protocol's type; any other name or path gives the union. */
export type ProfileFor<N extends string> = N extends ShippedProfileName
  ? Extract<Profile, { protocol: (typeof SHIPPED_PROFILE_PROTOCOLS)[N] }>
  : Profile;

function isShipped(name: string): name is ShippedProfileName {
  return Object.hasOwn(SHIPPED_PROFILE_PROTOCOLS, name);
}

export async function loadProfile<N extends string>(nameOrPath: N): Promise<ProfileFor<N>> {
  const profile = await loadAnyProfile(nameOrPath);
  if (isShipped(nameOrPath) && profile.protocol !== SHIPPED_PROFILE_PROTOCOLS[nameOrPath]) {
    throw new ProfileError(profile.file, 'protocol', undefined, `shipped profile ${nameOrPath} must be ${SHIPPED_PROFILE_PROTOCOLS[nameOrPath]}, is ${profile.protocol}`);
  }
  return profile as ProfileFor<N>;
}

async function loadAnyProfile(nameOrPath: string): Promise<Profile> {
  const file = resolveProfilePath(nameOrPath);
  let loading = cache.get(file);
  if (!loading) {
    loading = (async () => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        throw new ProfileError(file, '', undefined, `cannot read profile: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      return parseProfile(text, file);
    })();
    cache.set(file, loading);
    loading.catch(() => cache.delete(file));
  }
  return loading;
}
