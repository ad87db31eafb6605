/**
 * How the collector turns its MQTT targets into subscribers: one per broker and profile (not one per
 * sensor), each subscribing to the profile's pattern narrowed to what its targets share.
 */
import { z } from 'zod';
import type { DeviceDecl, PointDecl, Sample } from '../../../server/contracts/ingest.ts';
import type { Logger } from '../../logger.ts';
import type { Profile } from '../../profile.ts';
import { MqttSubscriber, type MqttRoute } from './mqtt-subscriber.ts';
import { fillTopicPattern, matchTopic, parseTopicPattern } from './profile-schema.ts';

export const mqttTargetSchema = z.strictObject({
  /** e.g. mqtt://127.0.0.1:1883; default mqtt://<host>:<port> of the target. */
  brokerUrl: z.url({ protocol: /^(mqtts?|tcp|ssl|wss?)$/ }).optional(),
  /** The device's data topic (exact), or a filter with + / # for every device under it; default the profile's pattern. */
  topic: z.string().min(1).max(1024).optional(),
  /** The device's availability topic; must be what the profile's availability pattern gives for the data topic. */
  availabilityTopic: z.string().min(1).max(1024).optional(),
});
export type MqttTargetConfig = z.infer<typeof mqttTargetSchema>;

interface MqttPrepared {
  target: { device: string; kind: DeviceDecl['kind']; host: string; port: number; mqtt?: MqttTargetConfig; intervalMs?: number; vendor?: string; model?: string };
  profile: Profile;
}

export function mqttSubscriptionsFor(
  collector: string,
  prepared: MqttPrepared[],
  logger: Logger,
  onSamples: (device: DeviceDecl, points: PointDecl[], samples: Sample[]) => void,
): MqttSubscriber[] {
  const groups = new Map<string, { brokerUrl: string; profile: Extract<Profile, { protocol: 'mqtt' }>; routes: MqttRoute[]; intervalMs: number }>();
  for (const { target, profile } of prepared) {
    if (profile.protocol !== 'mqtt') continue;
    const host = target.host.includes(':') ? `[${target.host}]` : target.host;
    const brokerUrl = target.mqtt?.brokerUrl ?? `mqtt://${host}:${target.port}`;
    const topic = target.mqtt?.topic ?? profile.topic.split('/').map((l) => (l.startsWith('+') ? '+' : l)).join('/');
    const availabilityTopic = target.mqtt?.availabilityTopic;
    if (availabilityTopic && profile.availability) {
      const captures = matchTopic(parseTopicPattern(profile.topic), topic);
      const expected = captures && fillTopicPattern(parseTopicPattern(profile.availability.topic), captures);
      if (expected !== availabilityTopic) throw new Error(`target ${target.device}: availabilityTopic ${availabilityTopic} is not the profile's ${expected ?? profile.availability.topic}`);
    }
    const key = JSON.stringify([brokerUrl, profile.file]);
    let group = groups.get(key);
    if (!group) groups.set(key, group = { brokerUrl, profile, routes: [], intervalMs: target.intervalMs ?? 5000 });
    group.intervalMs = Math.min(group.intervalMs, target.intervalMs ?? 5000);
    group.routes.push({ device: target.device, kind: target.kind, topic, ...(target.vendor ? { vendor: target.vendor } : {}), ...(target.model ? { model: target.model } : {}) });
  }
  return [...groups.values()].map((g) => new MqttSubscriber({
    brokerUrl: g.brokerUrl,
    clientIdPrefix: `kiban-${collector}`,
    profile: g.profile,
    routes: g.routes,
    commLossRepeatMs: g.intervalMs,
    logger,
    onSamples,
  }));
}
