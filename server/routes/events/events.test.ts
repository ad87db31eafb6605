/**
 * Events end to end through the real app and embedded database: carried in ingest batches (all or
 * nothing with the samples, idempotent), listed by GET /api/v1/events, pushed on the SSE stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCount } from '../../../db/queries/events.ts';
import { sampleCount } from '../../../db/queries/samples.ts';
import { createTestApp, upsBatch, type TestApp } from '../../../test/support/app.ts';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

function trapEvent(device: string, overrides: Record<string, unknown> = {}) {
  return {
    eventId: crypto.randomUUID(), device, ts: new Date().toISOString(), source: 'snmp-trap', name: 'ups.on_battery',
    severity: 'major', message: `${device} on battery: 17 min remaining`,
    attributes: { trapOid: '1.3.6.1.2.1.33.2.1', agent: '10.0.0.5', minutesRemaining: 17 },
    ...overrides,
  };
}
/** A batch of `n` samples of `device` plus events. */
function batchWithEvents(device: string, events: object[], n = 2) {
  return { ...upsBatch(n, { device }), events };
}
const ingest = (json: unknown) => t.call('/api/v1/ingest', { method: 'POST', json, token: t.tokens.collector });
const list = async (query: string) => {
  const res = await t.call(`/api/v1/events${query}`, { token: t.tokens.viewer });
  expect(res.status).toBe(200);
  return res.json() as Promise<{ items: any[]; next?: string }>;
};

describe('events in ingest batches — happy path', () => {
  it('a batch with events commits them with its samples; GET /api/v1/events shows them, newest first', async () => {
    const older = trapEvent('ups-ev1', { ts: new Date(Date.now() - 5000).toISOString(), name: 'ups.alarm.raised', severity: 'critical', message: 'lowBattery' });
    const newer = trapEvent('ups-ev1', { source: 'snmp-inform' });
    const batch = batchWithEvents('ups-ev1', [older, newer]);
    const res = await ingest(batch);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ batchId: batch.batchId, accepted: 2, inserted: 2, duplicate: false, eventsInserted: 2 });

    const body = await list('?device=ups-ev1');
    expect(body.next).toBeUndefined();
    expect(body.items.map((e) => e.eventId)).toEqual([newer.eventId, older.eventId]);
    expect(body.items[0]).toMatchObject({
      device: 'ups-ev1', source: 'snmp-inform', name: 'ups.on_battery', severity: 'major', message: 'ups-ev1 on battery: 17 min remaining',
      attributes: { trapOid: '1.3.6.1.2.1.33.2.1', minutesRemaining: 17 }, collector: 'collector-1', ts: newer.ts,
    });
    expect(Date.parse(body.items[0].receivedAt)).toBeGreaterThan(0);
  });

  it('a replayed batch, or the same event in another batch, is stored once', async () => {
    const ev = trapEvent('ups-ev2');
    const batch = batchWithEvents('ups-ev2', [ev]);
    expect((await (await ingest(batch)).json()).eventsInserted).toBe(1);
    const count = await eventCount(t.db);
    const replay = await (await ingest(batch)).json();
    expect(replay).toMatchObject({ duplicate: true, eventsInserted: 0 });
    // The collector re-sealed the event into a new batch (e.g. after a crash between seal and delete).
    const again = await (await ingest(batchWithEvents('ups-ev2', [ev]))).json();
    expect(again).toMatchObject({ duplicate: false, eventsInserted: 0 });
    expect(await eventCount(t.db)).toBe(count);
    expect((await list('?device=ups-ev2')).items).toHaveLength(1);
  });

  it('an events-only batch (no samples) for a device known from before is accepted', async () => {
    await ingest(upsBatch(2, { device: 'ups-ev3' }));
    const res = await ingest({ batchId: crypto.randomUUID(), collector: 'collector-1', samples: [], events: [trapEvent('ups-ev3')] });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 0, eventsInserted: 1 });
  });

  it('filters by severity and time range, and pages with next', async () => {
    const base = Date.now() - 60_000;
    const events = Array.from({ length: 5 }, (_, i) => trapEvent('ups-ev4', {
      ts: new Date(base + i * 1000).toISOString(), severity: i % 2 ? 'cleared' : 'critical', message: `e${i}`,
    }));
    await ingest(batchWithEvents('ups-ev4', events));
    expect((await list('?device=ups-ev4&severity=critical')).items.map((e) => e.message)).toEqual(['e4', 'e2', 'e0']);
    expect((await list('?device=ups-ev4&severity=critical,cleared')).items).toHaveLength(5);
    const from = new Date(base + 1000).toISOString();
    const to = new Date(base + 3000).toISOString();
    expect((await list(`?device=ups-ev4&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)).items.map((e) => e.message)).toEqual(['e2', 'e1']);

    const seen: string[] = [];
    let query = '?device=ups-ev4&limit=2';
    for (let page = 0; page < 5; page++) {
      const body = await list(query);
      seen.push(...body.items.map((e) => e.message));
      if (!body.next) break;
      query = `?device=ups-ev4&limit=2&cursor=${body.next}`;
    }
    expect(seen).toEqual(['e4', 'e3', 'e2', 'e1', 'e0']);
  });

  it('publishes new events live (once), and the SSE stream sends them as `event`', async () => {
    const published: string[] = [];
    const off = t.bus.subscribeEvents((events) => published.push(...events.map((e) => e.eventId)));
    const res = await t.call('/api/v1/stream?device=ups-ev5', { token: t.tokens.viewer });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += decoder.decode(value);
      }
    };
    await readUntil('event: ready');
    const ev = trapEvent('ups-ev5');
    const batch = batchWithEvents('ups-ev5', [ev]);
    await ingest(batch);
    await ingest(batch); // replay: not published again
    off();
    expect(published).toEqual([ev.eventId]);
    await readUntil('event: event');
    const data = JSON.parse(text.split('event: event')[1].split('data: ')[1].split('\n')[0]);
    expect(data.items).toEqual([expect.objectContaining({ eventId: ev.eventId, device: 'ups-ev5', name: 'ups.on_battery', severity: 'major' })]);
    await reader.cancel();
  });
});

describe('events in ingest batches — bad input rejects the whole batch', () => {
  const cases: Array<[string, (e: any) => void, string]> = [
    ['an unknown severity', (e) => { e.severity = 'fatal'; }, 'events[1].severity'],
    ['a bad event id', (e) => { e.eventId = 'nope'; }, 'events[1].eventId'],
    ['an unknown source', (e) => { e.source = 'carrier-pigeon'; }, 'events[1].source'],
    ['a device never declared', (e) => { e.device = 'ghost-ups'; }, 'events[1].device'],
    ['a timestamp far in the future', (e) => { e.ts = '2099-01-01T00:00:00Z'; }, 'events[1].ts'],
    ['oversized attributes', (e) => { e.attributes = { blob: 'x'.repeat(9000) }; }, 'events[1].attributes'],
    ['a name with capitals', (e) => { e.name = 'UPS.OnBattery'; }, 'events[1].name'],
  ];
  it.each(cases)('%s → 400 naming the field; neither samples nor events are written', async (_n, mutate, path) => {
    const batch = batchWithEvents('ups-bad', [trapEvent('ups-bad'), trapEvent('ups-bad')], 4);
    mutate(batch.events[1]);
    const [samples, events] = [await sampleCount(t.db), await eventCount(t.db)];
    const res = await ingest(batch);
    expect(res.status).toBe(400);
    expect((await res.json()).error.details.issues.map((i: any) => i.path)).toContain(path);
    expect(await sampleCount(t.db)).toBe(samples);
    expect(await eventCount(t.db)).toBe(events);
  });

  it('more events than the limit → 400 naming events', async () => {
    const batch = batchWithEvents('ups-bad', Array.from({ length: 1001 }, () => trapEvent('ups-bad')));
    const res = await ingest(batch);
    expect(res.status).toBe(400);
    expect((await res.json()).error.details.issues[0].path).toBe('events');
  });
});

describe('GET /api/v1/events — bad parameters', () => {
  it.each([
    ['severity=fatal', 'severity'],
    ['from=yesterday', 'from'],
    ['limit=0', 'limit'],
    ['limit=5000', 'limit'],
    ['from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'from'],
    ['cursor=%%%garbage', 'cursor'],
  ])('%s → 400 naming %s', async (query, path) => {
    const res = await t.call(`/api/v1/events?${query}`, { token: t.tokens.viewer });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.details.issues.map((i: any) => String(i.path).replace(/\[\d+\]$/, ''))).toContain(path);
  });
});

describe('GET /api/v1/events — security', () => {
  it('401 without or with a wrong token; a collector token may not read events', async () => {
    expect((await t.call('/api/v1/events', { token: null })).status).toBe(401);
    expect((await t.call('/api/v1/events', { token: 'kbn_wrong' })).status).toBe(401);
    expect((await t.call('/api/v1/events', { token: t.tokens.collector })).status).toBe(403);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await (await t.call('/api/v1/openapi.json')).json();
    expect(doc.paths['/api/v1/events'].get).toBeDefined();
    expect(doc.components.schemas.IngestBatch.properties.events).toBeDefined();
  });
});
