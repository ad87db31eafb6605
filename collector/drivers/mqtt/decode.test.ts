/**
 * Golden vectors of the shipped MQTT profile: payload → readings, including payloads a broken sensor
 * sends (the simulator's mqtt_malformed variants), and the profile schema's errors.
 */
import { describe, expect, it } from 'vitest';
import { malformedPayload, rackEnvPayload } from '../../../firmware-sims/devices/sensor/rack-sensors.ts';
import { loadProfile, parseProfile, ProfileError, type MqttProfile } from '../../profile.ts';
import { decodeAvailability, decodePayload } from './decode.ts';
import { fillTopicPattern, matchTopic, parseTopicPattern, renderTemplate } from './profile-schema.ts';

const RECEIVED = Date.parse('2026-11-22T02:42:00.000Z');
const good = '{"ts":"2026-11-22T02:41:57.501Z","inlet":{"top":23,"middle":21.5,"bottom":20.6},"outlet":31.4,"humidity":47.8,"unit":"C"}';
const metrics = ['inlet.top.temperature', 'inlet.middle.temperature', 'inlet.bottom.temperature', 'outlet.temperature', 'humidity'];
const allSentinel = metrics.map((metric) => ({ metric, value: null, quality: 'sentinel' }));

describe('kiban-rack-env-json golden vectors', async () => {
  const profile = await loadProfile('kiban-rack-env-json');

  it('is an mqtt profile with rack roles', () => {
    expect(profile.protocol).toBe('mqtt');
    expect(profile.points.map((p) => p.metric)).toEqual(metrics);
    expect(profile.points.map((p) => p.role)).toEqual(['rack.inlet.top.temperature', 'rack.inlet.middle.temperature', 'rack.inlet.bottom.temperature', 'rack.outlet.temperature', 'rack.inlet.humidity']);
  });

  it.each<[string, string, { ts: string; readings: unknown[]; problems: RegExp[] }]>([
    ['documented sample', good, { ts: '2026-11-22T02:41:57.501Z', readings: [23, 21.5, 20.6, 31.4, 47.8].map((value, i) => ({ metric: metrics[i], value, quality: 'ok' })), problems: [] }],
    ['no ts: receive time', '{"inlet":{"top":23,"middle":21.5,"bottom":20.6},"outlet":31.4,"humidity":47.8}', { ts: '2026-11-22T02:42:00.000Z', readings: [23, 21.5, 20.6, 31.4, 47.8].map((value, i) => ({ metric: metrics[i], value, quality: 'ok' })), problems: [] }],
    ['ts a day old: receive time', good.replace('2026-11-22T02', '2026-11-20T02'), { ts: '2026-11-22T02:42:00.000Z', readings: [23, 21.5, 20.6, 31.4, 47.8].map((value, i) => ({ metric: metrics[i], value, quality: 'ok' })), problems: [/too far from the receive time/] }],
    ['ts in the future: receive time', good.replace('2026-11-22T02', '2026-11-22T09'), { ts: '2026-11-22T02:42:00.000Z', readings: [23, 21.5, 20.6, 31.4, 47.8].map((value, i) => ({ metric: metrics[i], value, quality: 'ok' })), problems: [/too far/] }],
    ['out of range keeps the value', good.replace('"humidity":47.8', '"humidity":140'), { ts: '2026-11-22T02:41:57.501Z', readings: [23, 21.5, 20.6, 31.4].map((value, i) => ({ metric: metrics[i], value, quality: 'ok' })).concat([{ metric: 'humidity', value: 140, quality: 'out_of_range' }]), problems: [] }],
    ['truncated JSON', good.slice(0, 40), { ts: '2026-11-22T02:42:00.000Z', readings: allSentinel, problems: [/^not JSON: /] }],
    ['not JSON at all', 'inlet_top=23;outlet=31.4', { ts: '2026-11-22T02:42:00.000Z', readings: allSentinel, problems: [/^not JSON/] }],
    ['empty payload', '', { ts: '2026-11-22T02:42:00.000Z', readings: allSentinel, problems: [/^not JSON/] }],
    ['JSON but an array', '[1,2,3]', { ts: '2026-11-22T02:42:00.000Z', readings: allSentinel, problems: [/expected a JSON object, got array/] }],
    ['a string number is not a number', good.replace('"outlet":31.4', '"outlet":"31.4"'), { ts: '2026-11-22T02:41:57.501Z', readings: [23, 21.5, 20.6].map((value, i) => ({ metric: metrics[i], value, quality: 'ok' })).concat([{ metric: 'outlet.temperature', value: null, quality: 'sentinel' } as never, { metric: 'humidity', value: 47.8, quality: 'ok' }]), problems: [/outlet: expected a finite number, got string "31.4"/] }],
    ['1e999 is not finite', good.replace('"top":23', '"top":1e999'), { ts: '2026-11-22T02:41:57.501Z', readings: [{ metric: metrics[0], value: null, quality: 'sentinel' } as never, ...[21.5, 20.6, 31.4, 47.8].map((value, i) => ({ metric: metrics[i + 1], value, quality: 'ok' }))], problems: [/inlet.top: expected a finite number, got Infinity/] }],
  ])('%s', (_, payload, expected) => {
    const d = decodePayload(profile, Buffer.from(payload), RECEIVED);
    expect(d.ts).toBe(expected.ts);
    expect(d.readings).toEqual(expected.readings);
    expect(d.problems.length).toBe(expected.problems.length);
    expected.problems.forEach((re, i) => expect(d.problems[i]).toMatch(re));
  });

  it("the simulator's wrong_types payload: every point sentinel, each named", () => {
    const base = rackEnvPayload(RECEIVED, { inletTopC: 23, inletMiddleC: 21.5, inletBottomC: 20.6, outletC: 31.4, humidityPct: 47.8 } as never);
    const d = decodePayload(profile, malformedPayload('wrong_types', base), RECEIVED);
    expect(d.readings).toEqual(allSentinel);
    expect(d.ts).toBe(new Date(RECEIVED).toISOString());
    expect(d.problems.join('\n')).toMatch(/ts: expected an ISO 8601 time, got \d+/);
    expect(d.problems.join('\n')).toMatch(/inlet.top: expected a finite number, got missing/);
    expect(d.problems.join('\n')).toMatch(/outlet: expected a finite number, got null/);
    expect(d.problems.join('\n')).toMatch(/humidity: expected a finite number, got string "47.8%"/);
    for (const v of ['truncated', 'not_json']) expect(decodePayload(profile, malformedPayload(v, base), RECEIVED).readings).toEqual(allSentinel);
  });

  it('availability: online / offline, anything else undefined', () => {
    expect(decodeAvailability(profile, 'online')).toBe('online');
    expect(decodeAvailability(profile, Buffer.from('offline\n'))).toBe('offline');
    expect(decodeAvailability(profile, 'maybe')).toBeUndefined();
  });
});

describe('topic patterns', () => {
  const p = parseTopicPattern('kiban/+site/+room/+row/+rack/env');
  it('named captures, filter, fill, template', () => {
    expect(p.filter).toBe('kiban/+/+/+/+/env');
    expect(p.captures).toEqual(['site', 'room', 'row', 'rack']);
    const c = matchTopic(p, 'kiban/S/r1/r1-a/r1-a01/env')!;
    expect(c).toEqual({ site: 'S', room: 'r1', row: 'r1-a', rack: 'r1-a01' });
    expect(renderTemplate('{rack}-sensor', c)).toBe('r1-a01-sensor');
    expect(fillTopicPattern(p, { site: 'S' })).toBe('kiban/S/+/+/+/env');
    expect(matchTopic(p, 'kiban/S/r1/r1-a/r1-a01/availability')).toBeUndefined();
    expect(matchTopic(p, 'kiban/S/r1/r1-a/env')).toBeUndefined();
    expect(matchTopic(parseTopicPattern('a/+x/#'), 'a/b/c/d')).toEqual({ x: 'b' });
  });
  it('rejects bad patterns', () => {
    expect(() => parseTopicPattern('a/#/b')).toThrow(/# must be the last/);
    expect(() => parseTopicPattern('a/+x/+x')).toThrow(/twice/);
    expect(() => parseTopicPattern('a/b+c')).toThrow(/level 2/);
  });
});

describe('MQTT profile schema errors name the field and line', () => {
  const base = (over: string) => `model: m\nprotocol: mqtt\nkind: sensor\ntopic: a/+site/+rack/env\ndevice: '{rack}-s'\n${over}points:\n  - metric: t\n    path: t\n    unit: degC\n    kind: gauge\n`;
  const err = (text: string) => {
    try {
      parseProfile(text, 'x.yaml');
    } catch (e) {
      expect(e).toBeInstanceOf(ProfileError);
      return (e as Error).message;
    }
    throw new Error('no error');
  };
  it('accepts a minimal profile', () => {
    const p = parseProfile(base(''), 'x.yaml') as MqttProfile;
    expect(p).toMatchObject({ protocol: 'mqtt', payload: 'json', device: '{rack}-s' });
  });
  it('unknown capture in device', () => expect(err(base('').replace("'{rack}-s'", "'{rak}-s'"))).toMatch(/x\.yaml:5: device: \{rak\} is not a capture/));
  it('availability without the same captures', () => expect(err(base('availability:\n  topic: a/+site/availability\n'))).toMatch(/availability\.topic: must capture the same names as topic \(missing \+rack\)/));
  it('bad JSON path', () => expect(err(base('').replace('path: t', 'path: a..b'))).toMatch(/points\[0\]\.path/));
  it('bad topic', () => expect(err(base('').replace('topic: a/+site/+rack/env', 'topic: a/#/env'))).toMatch(/x\.yaml:4: topic: # must be the last/));
});
