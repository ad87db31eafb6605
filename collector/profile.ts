/**
 * Device profiles are data (YAML in collector/profiles): which OIDs to read and how to turn raw values
 * into metrics with units. This module loads and validates them; errors name the file, the field path
 * and the line.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { DEVICE_KINDS, PROTOCOLS } from '../server/contracts/ingest.ts';

export const PROFILES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'profiles');

const metricName = z.string().min(1).max(128).regex(/^[a-z0-9][a-z0-9._]*$/, 'lower-case letters, digits, . and _ only');
const numericOid = z.string().regex(/^\.?\d+(\.\d+)+$/, 'numeric OID such as 1.3.6.1.2.1.33.1.4.1.0')
  .transform((oid) => (oid.startsWith('.') ? oid.slice(1) : oid));

export const profilePointSchema = z.strictObject({
  metric: metricName,
  oid: numericOid,
  unit: z.string().max(32),
  kind: z.enum(['gauge', 'counter']),
  /** Multiplier from the device's integer to the unit, e.g. 0.1 for a value in tenths. */
  scale: z.number().finite().refine((s) => s !== 0, 'scale must not be 0').optional(),
  role: z.string().min(1).max(128).optional(),
  description: z.string().max(512).optional(),
  /** Labels of an enumerated point (raw integer value → state name), shown instead of the number. */
  states: z.record(z.string().regex(/^-?\d+$/, 'state keys are integer values'), z.string().min(1).max(64)).optional(),
  /** Raw values that mean "not available" on this device (e.g. -1, 65535): quality `sentinel`. */
  sentinels: z.array(z.number()).optional(),
  /** Plausible range after scaling; values outside keep their value with quality `out_of_range`. */
  valid: z.strictObject({ min: z.number().optional(), max: z.number().optional() }).optional(),
});
export type ProfilePoint = z.infer<typeof profilePointSchema>;

export const profileSchema = z.strictObject({
  model: z.string().min(1).max(128),
  description: z.string().max(1024).optional(),
  protocol: z.enum(PROTOCOLS),
  kind: z.enum(DEVICE_KINDS),
  vendor: z.string().max(128).optional(),
  points: z.array(profilePointSchema).min(1),
}).superRefine((profile, ctx) => {
  const metrics = new Map<string, number>();
  profile.points.forEach((p, i) => {
    const first = metrics.get(p.metric);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['points', i, 'metric'], message: `duplicate metric '${p.metric}' (also points[${first}])` });
    else metrics.set(p.metric, i);
  });
});

export interface Profile extends z.infer<typeof profileSchema> {
  /** Profile name: the file name without extension, e.g. `rfc1628-ups`. */
  name: string;
  file: string;
}

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

export async function loadProfile(nameOrPath: string): Promise<Profile> {
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
