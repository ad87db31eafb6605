/**
 * Contract between collectors and the server's central configuration routes (/api/v1/collectors): what a
 * target (one device a collector polls) looks like, and the register / config / assignment bodies. The
 * collector validates a local YAML file with the same schema the server validates an admin's PUT with, so
 * a target that one accepts the other accepts too.
 */
import { existsSync } from 'node:fs';
import { z } from '@hono/zod-openapi';
import { WORD_ORDERS } from '../../collector/drivers/modbus/profile-schema.ts';
import { mqttTargetSchema, type MqttTargetConfig } from '../../collector/drivers/mqtt/collector-glue.ts';
import { snmpV3UserSchema } from '../../collector/drivers/snmp/profile-schema.ts';
import type { DeviceAddress } from '../../collector/drivers/types.ts';
import { resolveProfilePath } from '../../collector/profile.ts';
import { DEVICE_KINDS } from './ingest.ts';

export interface TargetConfig extends DeviceAddress {
  /** Device name, unique per collector; becomes the first half of every point key. */
  device: string;
  kind: (typeof DEVICE_KINDS)[number];
  /** Profile name in collector/profiles (e.g. `rfc1628-ups`) or a path to a YAML file. */
  profile: string;
  /** MQTT (profile with protocol mqtt): broker URL (default mqtt://host:port), the device's data topic or a filter. */
  mqtt?: MqttTargetConfig;
  intervalMs?: number;
  /** How often the device's identity is read again (default: the collector's, 10 min; 0 = only at start). */
  identityIntervalMs?: number;
  vendor?: string;
  model?: string;
}

export const COLLECTOR_CONFIG_LIMITS = {
  /** Devices one collector may be assigned. */
  maxTargets: 10_000,
  /** Long-poll hold of GET …/config when nothing changed: default and ceiling, seconds. */
  defaultWaitS: 25,
  maxWaitS: 60,
} as const;

/** Names of collectors and devices: what the ingest contract accepts as a device name. */
export const collectorName = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits and . _ : - only');

export const targetConfigSchema = z.strictObject({
  device: collectorName,
  kind: z.enum(DEVICE_KINDS),
  profile: z.string().min(1),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  community: z.string().min(1).optional(),
  v3: snmpV3UserSchema.strict().optional(),
  unitId: z.number().int().min(0).max(255).optional(),
  wordOrder: z.enum(WORD_ORDERS).optional(),
  transport: z.enum(['tcp', 'rtu-over-tcp']).optional(),
  mqtt: mqttTargetSchema.optional(),
  intervalMs: z.number().int().min(100).optional(),
  identityIntervalMs: z.number().int().min(0).optional()
    .openapi({ description: 'how often the identity (sysDescr, model, serial, firmware, outlet count) is read again; default 600000 (10 min), 0 = only when polling starts' }),
  vendor: z.string().max(128).optional(),
  model: z.string().max(128).optional(),
}).openapi('CollectorTarget', { description: 'One device a collector polls: profile and address (SNMP community/v3 user, Modbus unit id, MQTT topic)' });

/** A target list: every target valid, device names unique (they key the points). */
export const targetListSchema = z.array(targetConfigSchema).max(COLLECTOR_CONFIG_LIMITS.maxTargets).superRefine((targets, ctx) => {
  const first = new Map<string, number>();
  targets.forEach((t, i) => {
    const at = first.get(t.device);
    if (at !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'device'], message: `duplicate device '${t.device}' (also [${at}])` });
    else first.set(t.device, i);
  });
});

/**
 * Why a profile reference cannot work, or undefined when it can. A bare name must be a profile shipped in
 * collector/profiles; a path (with a slash or .yaml) names a file on the collector's own disk, which only
 * the collector can check, so it is accepted here.
 */
export function profileProblem(profile: string): string | undefined {
  let file: string;
  try {
    file = resolveProfilePath(profile);
  } catch (err) {
    return (err as Error).message;
  }
  const looksLikePath = profile.includes('/') || profile.includes('\\') || /\.ya?ml$/.test(profile);
  if (looksLikePath) return undefined;
  return existsSync(file) ? undefined : `unknown profile '${profile}' (not in collector/profiles)`;
}

export const registerRequest = z.object({
  name: collectorName.openapi({ description: 'collector name; the first registration binds it to the calling token', example: 'site-a-edge-1' }),
  version: z.string().max(64).optional().openapi({ description: 'collector software version' }),
  hostname: z.string().max(255).optional(),
}).openapi('CollectorRegistration');

export const collectorConfigResponse = z.object({
  name: collectorName,
  changed: z.boolean().openapi({ description: 'false: a long poll ended with nothing new since `since`; `targets` is then omitted' }),
  configVersion: z.number().int(),
  targets: z.array(targetConfigSchema).optional(),
}).openapi('CollectorConfig');
export type CollectorConfigResponse = z.infer<typeof collectorConfigResponse>;

export const collectorView = z.object({
  name: z.string(),
  configVersion: z.number().int(),
  targetCount: z.number().int(),
  bound: z.boolean().openapi({ description: 'a collector token has claimed this name' }),
  version: z.string().nullable(),
  hostname: z.string().nullable(),
  registeredAt: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
}).openapi('Collector');
