/**
 * The multiplexed live stream on the embedded database: subscriptions by point, device and location, changing
 * them on an open stream, resuming with Last-Event-ID, and a slow client's bounded queue. The cross-replica
 * relay's wire format is tested here too (the two-replica test is server/live/replicas.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, upsBatch, type TestApp } from '../../test/support/app.ts';
import { applyPlan } from '../domain/cmdb/apply.ts';
import { SseReader } from '../../test/support/sse.ts';
import { encodeMessage, RelayDecoder } from './pg-relay.ts';
import { MAX_QUEUED_SAMPLES } from './stream-session.ts';
import { SSE_SAMPLES_PER_MESSAGE } from '../routes/stream/stream.index.ts';

let t: TestApp;
let rackId: number;
let roomId: number;
beforeAll(async () => {
  t = await createTestApp();
  for (const d of ['lv-a', 'lv-b', 'lv-c']) {
    expect((await t.call('/api/v1/ingest', { method: 'POST', json: upsBatch(2, { device: d }), token: t.tokens.collector })).status).toBe(200);
  }
  // Site → room → row → rack in the CMDB; lv-b (a UPS) sits in the rack, lv-c directly in the room.
  const result = await applyPlan(t.db, {
    source: 'test', models: [], relations: [],
    cis: [
      { key: 's1', type: 'site', name: 'Site 1' },
      { key: 'hall-a', type: 'room', name: 'Hall A', parent: 's1' },
      { key: 'row-1', type: 'row', name: 'Row 1', parent: 'hall-a' },
      { key: 'row-1-r01', type: 'rack', name: 'R01', parent: 'row-1', attributes: { uHeight: 42 } },
      // A second row with another rack named R01: the name alone is ambiguous.
      { key: 'row-2', type: 'row', name: 'Row 2', parent: 'hall-a' },
      { key: 'row-2-r01', type: 'rack', name: 'R01', parent: 'row-2', attributes: { uHeight: 42 } },
      { key: 'ups-lv-b', type: 'ups', name: 'UPS lv-b', parent: 'row-1-r01', devices: ['lv-b'], attributes: { ratedKva: 10, ratedKw: 9 } },
      { key: 'ups-lv-c', type: 'ups', name: 'UPS lv-c', parent: 'hall-a', devices: ['lv-c'], attributes: { ratedKva: 10, ratedKw: 9 } },
    ],
  }, { actor: 'test', mode: 'all-or-nothing' });
  expect(result.created).toBe(8);
  const ids = await t.db.query<{ key: string; id: number }>(`select key, id from cis where key in ('hall-a', 'row-1-r01')`);
  roomId = Number(ids.find((r) => r.key === 'hall-a')!.id);
  rackId = Number(ids.find((r) => r.key === 'row-1-r01')!.id);
});
afterAll(async () => { await t.close(); });

const ingest = async (device: string, n = 2) => {
  const res = await t.call('/api/v1/ingest', { method: 'POST', json: upsBatch(n, { device }), token: t.tokens.collector });
  expect(res.status).toBe(200);
};
const open = async (query: string, init: { token?: string; headers?: Record<string, string> } = {}) => {
  const res = await t.call(`/api/v1/stream${query}`, { token: init.token ?? t.tokens.viewer, headers: init.headers });
  expect(res.status).toBe(200);
  const sse = new SseReader(res);
  await sse.until((m) => m.some((x) => x.event === 'ready'));
  return sse;
};
const devicesOf = (sse: SseReader) => [...new Set(sse.samples().map((s) => s.point.split('/')[0]))].sort();

describe('subscriptions', () => {
  it('several points, devices and locations on one stream; a location covers the devices below it', async () => {
    const byLocation = await open(`?location=${roomId}`);
    const mixed = await open(`?points=lv-a/output.l1.power&device=lv-b,lv-c`);
    const rackOnly = await open(`?location=${rackId}`);
    expect(byLocation.of('ready')[0].data).toMatchObject({ all: false, subscribed: { points: [], devices: [], locations: [roomId] }, resumed: false });
    for (const d of ['lv-a', 'lv-b', 'lv-c']) await ingest(d);
    await byLocation.until(() => devicesOf(byLocation).length === 2);
    await mixed.until(() => devicesOf(mixed).length === 3);
    await rackOnly.until(() => devicesOf(rackOnly).length === 1);
    expect(devicesOf(byLocation)).toEqual(['lv-b', 'lv-c']);
    expect(devicesOf(rackOnly)).toEqual(['lv-b']);
    // lv-a: only the one point asked for; lv-b and lv-c: both points.
    expect(mixed.samples().filter((s) => s.point.startsWith('lv-a/')).map((s) => s.point)).toEqual(['lv-a/output.l1.power']);
    expect(mixed.samples().filter((s) => s.point.startsWith('lv-b/'))).toHaveLength(2);
    for (const s of [byLocation, mixed, rackOnly]) await s.close();
  });

  it('locations by name; an unknown one is a 404, an ambiguous name or an empty list a 400', async () => {
    const byName = await open(`?location=${encodeURIComponent('Hall A')}`);
    expect(byName.of('ready')[0].data.subscribed.locations).toEqual([roomId]);
    await byName.close();
    expect((await t.call('/api/v1/stream?location=999999')).status).toBe(404);
    expect((await t.call('/api/v1/stream?location=nowhere')).status).toBe(404);
    const ambiguous = await t.call('/api/v1/stream?location=R01');
    expect(ambiguous.status).toBe(400);
    expect((await ambiguous.json()).error.message).toMatch(/ambiguous/);
    const empty = await t.call('/api/v1/stream?location=,');
    expect(empty.status).toBe(400);
    expect((await empty.json()).error.code).toBe('invalid_request');
  });

  it('changes the subscription of an open stream without reconnecting; only its own principal may', async () => {
    const sse = await open('?points=lv-a/output.l1.power');
    const id = sse.of('ready')[0].data.stream as string;
    const path = `/api/v1/stream/${id}/subscriptions`;
    // Another principal (the admin token) cannot see or change it.
    expect((await t.call(path, { method: 'POST', json: { add: { devices: ['lv-c'] } }, token: t.tokens.admin })).status).toBe(404);
    expect((await t.call(`/api/v1/stream/nope/subscriptions`, { method: 'POST', json: {}, token: t.tokens.viewer })).status).toBe(404);
    expect((await t.call(path, { method: 'POST', json: { add: { locations: [999999] } }, token: t.tokens.viewer })).status).toBe(404);
    const res = await t.call(path, { method: 'POST', json: { add: { devices: ['lv-c'], locations: [String(rackId)] }, remove: { points: ['lv-a/output.l1.power'] } }, token: t.tokens.viewer });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ stream: id, all: false, subscribed: { points: [], devices: ['lv-c'], locations: [rackId] } });
    for (const d of ['lv-a', 'lv-b', 'lv-c']) await ingest(d);
    await sse.until(() => devicesOf(sse).length === 2);
    expect(devicesOf(sse)).toEqual(['lv-b', 'lv-c']);
    await sse.close();
    // Closed streams are forgotten.
    expect(t.bus.streams.has(id)).toBe(false);
    expect((await t.call(path, { method: 'POST', json: { all: true }, token: t.tokens.viewer })).status).toBe(404);
  });

  it('a stream opened without a filter gets everything until told otherwise', async () => {
    const sse = await open('');
    const ready = sse.of('ready')[0].data;
    expect(ready.all).toBe(true);
    await ingest('lv-a');
    await sse.until(() => devicesOf(sse).includes('lv-a'));
    const res = await t.call(`/api/v1/stream/${ready.stream}/subscriptions`, { method: 'POST', json: { all: false, add: { devices: ['lv-b'] } }, token: t.tokens.viewer });
    expect((await res.json()).all).toBe(false);
    const before = sse.samples().length;
    await ingest('lv-a'); await ingest('lv-b');
    await sse.until(() => sse.samples().slice(before).some((s) => s.point.startsWith('lv-b/')));
    expect(sse.samples().slice(before).every((s) => s.point.startsWith('lv-b/'))).toBe(true);
    await sse.close();
  });
});

describe('resume and slow clients', () => {
  it('sends a big batch in several messages, with the resume id on the last one only', async () => {
    const sse = await open('?device=lv-big');
    const total = SSE_SAMPLES_PER_MESSAGE * 2 + 500;
    const ts = new Date().toISOString();
    t.bus.publish(Array.from({ length: total }, (_, i) => ({ point: `lv-big/outlet.${i}.power`, ts, value: i, quality: 'good' })));
    await sse.until(() => sse.samples().length === total);
    const messages = sse.of('samples');
    expect(messages.map((m) => m.data.items.length)).toEqual([SSE_SAMPLES_PER_MESSAGE, SSE_SAMPLES_PER_MESSAGE, 500]);
    expect(messages.map((m) => m.id !== undefined)).toEqual([false, false, true]);
    // Nothing lost or reordered across the chunks.
    expect(sse.samples().map((s) => s.value)).toEqual(Array.from({ length: total }, (_, i) => i));
    await sse.close();
  });

  it('replays what was missed after Last-Event-ID; an id from elsewhere gets a gap notice', async () => {
    const first = await open('?device=lv-a');
    await ingest('lv-a');
    await first.until(() => first.samples().length === 2);
    const lastId = first.of('samples').at(-1)!.id!;
    expect(lastId).toMatch(/^[\w-]+:\d+$/);
    await first.close();
    await ingest('lv-a', 4); // while disconnected
    await ingest('lv-b', 2); // not subscribed: not replayed
    const resumed = await open('?device=lv-a', { headers: { 'last-event-id': lastId } });
    expect(resumed.of('ready')[0].data.resumed).toBe(true);
    await resumed.until(() => resumed.samples().length === 4);
    expect(devicesOf(resumed)).toEqual(['lv-a']);
    expect(resumed.of('notice')).toEqual([]);
    await resumed.close();

    const foreign = await open('?device=lv-a', { headers: { 'last-event-id': 'otherreplica:12' } });
    await foreign.until((m) => m.some((x) => x.event === 'notice'));
    expect(foreign.of('notice')[0].data.code).toBe('gap');
    expect(foreign.of('ready')[0].data.resumed).toBe(false);
    await foreign.close();

    // Once the replay window is forgotten (no streams here for a while: other replicas stopped relaying to this
    // one), even a current id of this bus resumes with a gap notice rather than silently missing their commits.
    const current = await open('?device=lv-a');
    await ingest('lv-a');
    await current.until(() => current.samples().length === 2);
    const currentId = current.of('samples').at(-1)!.id!;
    await current.close();
    t.bus.forgetReplay();
    const late = await open('?device=lv-a', { headers: { 'last-event-id': currentId } });
    await late.until((m) => m.some((x) => x.event === 'notice'));
    expect(late.of('notice')[0].data.code).toBe('gap');
    expect(late.of('ready')[0].data.resumed).toBe(false);
    await late.close();
  });

  it('a client that does not read gets the newest value per point and a notice, and memory stays bounded', async () => {
    const sse = await open('?device=slow');
    const id = sse.of('ready')[0].data.stream as string;
    const session = t.bus.streams.get(id)!;
    // 30 batches of 1,000 samples over 10 points, published while the stream cannot write.
    let maxQueued = 0;
    for (let b = 0; b < 30; b++) {
      t.bus.publish(Array.from({ length: 1000 }, (_, i) => ({ point: `slow/p${i % 10}`, ts: new Date(Date.UTC(2026, 0, 1, 0, 0, b * 100 + Math.floor(i / 10))).toISOString(), value: b * 1000 + i, quality: 'ok' })));
      maxQueued = Math.max(maxQueued, session.queued);
    }
    expect(maxQueued).toBeLessThanOrEqual(MAX_QUEUED_SAMPLES);
    await sse.until(() => sse.of('notice').length > 0 && sse.samples().some((s) => s.value === 29_999));
    const notice = sse.of('notice')[0].data;
    expect(notice.code).toBe('samples_coalesced');
    expect(notice.message).toMatch(/\d+ samples were skipped/);
    // After the notice come exactly the newest values of the 10 points.
    const afterNotice = sse.messages.slice(sse.messages.indexOf(sse.of('notice')[0]) + 1).filter((m) => m.event === 'samples').flatMap((m) => m.data.items);
    expect(afterNotice.map((s: any) => s.value).sort((a: number, b: number) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => 29_990 + i));
    await sse.close();
  });
});

describe('relay wire format (LISTEN/NOTIFY payloads)', () => {
  it('packs samples into payloads under 8000 bytes and reassembles them; its own messages are skipped', () => {
    const samples = Array.from({ length: 5000 }, (_, i) => ({ point: `dev-${i % 50}/metric.with.a.longish.name.${i % 7}`, ts: new Date(1_700_000_000_000 + i).toISOString(), value: i % 3 ? i * 1.5 : null, quality: 'ok' }));
    const payloads = encodeMessage('A', { kind: 'samples', items: samples });
    expect(payloads.length).toBeGreaterThan(40);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    const b = new RelayDecoder('B');
    const got = payloads.flatMap((p) => { const r = b.accept(p); return r && r.msg.kind === 'samples' ? r.msg.items : []; });
    expect(got).toEqual(samples);
    expect(new RelayDecoder('A').accept(payloads[0])).toBeUndefined();
  });

  it('fragments an event too large for one notification (multi-byte text intact)', () => {
    const big = { eventId: 'e', device: 'd', ts: '2026-01-01T00:00:00Z', source: 'snmp-trap', name: 'x', severity: 'minor', message: 'ä€😀|'.repeat(3000), attributes: { n: 1 } };
    const small = { ...big, eventId: 'f', message: 'short' };
    const payloads = encodeMessage('A', { kind: 'events', items: [small, big, small] });
    expect(payloads.filter((p) => p.startsWith('F|')).length).toBeGreaterThan(2);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    const d = new RelayDecoder('B');
    // Fragments may arrive interleaved with other messages and out of order.
    const order = [...payloads].reverse();
    const got = order.flatMap((p) => { const r = d.accept(p); return r && r.msg.kind === 'events' ? r.msg.items : []; });
    expect(got.map((e) => e.eventId).sort()).toEqual(['e', 'f', 'f']);
    expect(got.find((e) => e.eventId === 'e')).toEqual(big);
  });
});
