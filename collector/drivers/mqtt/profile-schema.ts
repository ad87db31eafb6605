/**
 * The MQTT half of a device profile: which topics carry a device's readings (a topic pattern whose
 * named single-level wildcards `+name` become captures), how a device is named from the captures, where
 * each point sits in the JSON payload, and the availability topic (retained `online`/`offline`, usually
 * the sensor's last will) — as data, validated at load time.
 */
import { z } from 'zod';
import { commonPointFields, identityMapSchema } from '../../profile-common.ts';

/** One topic level: a literal, `+` / `+name` (one level, named = captured) or `#` (the rest, last only). */
const LEVEL = /^(?:\+[a-z][a-z0-9_]*|\+|#|[^+#/]+)$/;

export interface TopicPattern {
  /** The pattern as written, e.g. `kiban/+site/+room/+row/+rack/env`. */
  pattern: string;
  /** The MQTT subscription filter, e.g. `kiban/+/+/+/+/env`. */
  filter: string;
  levels: Array<{ literal: string } | { capture: string | undefined } | { rest: true }>;
  captures: string[];
}

export function parseTopicPattern(pattern: string): TopicPattern {
  const parts = pattern.split('/');
  const levels: TopicPattern['levels'] = [];
  const captures: string[] = [];
  parts.forEach((part, i) => {
    if (!LEVEL.test(part)) throw new Error(`topic level ${i + 1} '${part}': a literal, + or +name (lower-case), or # as the last level`);
    if (part === '#') {
      if (i !== parts.length - 1) throw new Error('# must be the last topic level');
      levels.push({ rest: true });
    } else if (part.startsWith('+')) {
      const name = part.length > 1 ? part.slice(1) : undefined;
      if (name && captures.includes(name)) throw new Error(`capture +${name} appears twice`);
      if (name) captures.push(name);
      levels.push({ capture: name });
    } else {
      levels.push({ literal: part });
    }
  });
  const filter = levels.map((l) => ('literal' in l ? l.literal : 'capture' in l ? '+' : '#')).join('/');
  return { pattern, filter, levels, captures };
}

/** Captures of `topic` under `pattern`, or undefined when it does not match. */
export function matchTopic(p: TopicPattern, topic: string): Record<string, string> | undefined {
  const parts = topic.split('/');
  const out: Record<string, string> = {};
  for (let i = 0; i < p.levels.length; i++) {
    const level = p.levels[i];
    if ('rest' in level) return out;
    const part = parts[i];
    if (part === undefined) return undefined;
    if ('literal' in level) {
      if (part !== level.literal) return undefined;
    } else {
      if (part === '') return undefined;
      if (level.capture) out[level.capture] = part;
    }
  }
  return parts.length === p.levels.length ? out : undefined;
}

/** The pattern with the given captures filled in (others stay `+`): a narrower subscription filter. */
export function fillTopicPattern(p: TopicPattern, captures: Record<string, string>): string {
  return p.levels.map((l) => ('literal' in l ? l.literal : 'rest' in l ? '#' : (l.capture && captures[l.capture]) || '+')).join('/');
}

/** `{rack}-sensor` with `{rack: 'r1-a01'}` → `r1-a01-sensor`. */
export function renderTemplate(template: string, captures: Record<string, string>): string {
  return template.replace(/\{([a-z][a-z0-9_]*)\}/g, (_, name: string) => captures[name] ?? '');
}

export function templateNames(template: string): string[] {
  return [...template.matchAll(/\{([a-z][a-z0-9_]*)\}/g)].map((m) => m[1]);
}

/** `inlet.top` → ['inlet', 'top']; a segment may be an array index (`values.0`). */
const jsonPath = z.string().min(1).max(256).regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'dot-separated keys such as inlet.top');

const topicPattern = z.string().min(1).max(1024).superRefine((t, ctx) => {
  try {
    parseTopicPattern(t);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

export const mqttPointSchema = z.strictObject({
  ...commonPointFields,
  /** Where the number sits in the JSON payload. */
  path: jsonPath,
  /** Multiplier from the payload's number to the unit (default 1). */
  scale: z.number().finite().refine((s) => s !== 0, 'scale must not be 0').optional(),
});
export type MqttProfilePoint = z.infer<typeof mqttPointSchema>;

export const mqttAvailabilitySchema = z.strictObject({
  /** e.g. `kiban/+site/+room/+row/+rack/availability`; same captures as the data topic. */
  topic: topicPattern,
  online: z.string().min(1).max(64).default('online'),
  offline: z.string().min(1).max(64).default('offline'),
});

/** Profile-level MQTT settings (merged into the profile object of `protocol: mqtt`). */
export const mqttProfileFields = {
  /** Data topic pattern, e.g. `kiban/+site/+room/+row/+rack/env`. */
  topic: topicPattern,
  /** Device name from the topic's captures, e.g. `{rack}-sensor`. */
  device: z.string().min(1).max(128).regex(/^[A-Za-z0-9{][A-Za-z0-9._:{}-]*$/, 'letters, digits, . _ : - and {capture}'),
  payload: z.literal('json').default('json'),
  /** JSON path of the reading's time (ISO 8601); the receive time is used when absent or implausible. */
  timestamp: jsonPath.optional(),
  availability: mqttAvailabilitySchema.optional(),
  /** An online device silent for this long is recorded as `stale` (default: three poll intervals of the target). */
  staleAfterS: z.number().positive().max(86_400).optional(),
  /**
   * Identity field → JSON path in the data payload (e.g. `serial: device.serial`), for devices that say who
   * they are in their messages; taken from every message that carries it.
   */
  identity: identityMapSchema(jsonPath).optional(),
  points: z.array(mqttPointSchema).min(1),
};

/** Checks across fields: captures used by `device` exist; availability has the data topic's captures. */
export function checkMqttProfile(profile: { topic: string; device: string; availability?: { topic: string } }, ctx: z.RefinementCtx): void {
  let data: TopicPattern;
  try {
    data = parseTopicPattern(profile.topic);
  } catch {
    return; // reported on `topic`
  }
  for (const name of templateNames(profile.device)) {
    if (!data.captures.includes(name)) ctx.addIssue({ code: 'custom', path: ['device'], message: `{${name}} is not a capture of topic ${profile.topic} (captures: ${data.captures.join(', ') || 'none'})` });
  }
  if (profile.availability) {
    try {
      const avail = parseTopicPattern(profile.availability.topic);
      const missing = data.captures.filter((c) => !avail.captures.includes(c));
      if (missing.length) ctx.addIssue({ code: 'custom', path: ['availability', 'topic'], message: `must capture the same names as topic (missing +${missing.join(', +')})` });
    } catch {
      // reported on availability.topic
    }
  }
}
