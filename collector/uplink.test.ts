import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Sample } from '../server/contracts/ingest.ts';
import type { Logger } from './logger.ts';
import { Outbox } from './outbox.ts';
import { startIngestServer, waitFor, type IngestServer } from './test-support/ingest-server.ts';
import { retryAfterMs, Uplink } from './uplink.ts';

const TOKEN = 'kbn_test_secret_token_123';

function recordingLogger() {
  const lines: Array<{ level: string; obj: object; msg?: string }> = [];
  const logger: Logger = {
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  };
  return { logger, lines };
}

async function outboxWith(batches: number): Promise<{ outbox: Outbox; files: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'kiban-uplink-'));
  const outbox = await Outbox.open({ dir, collector: 'edge-1', flushIntervalMs: 60_000 });
  for (let i = 0; i < batches; i++) {
    const sample: Sample = { point: 'ups-1/output.l1.power', ts: new Date(Date.UTC(2026, 10, 22, 1, 0, i)).toISOString(), value: 4000 + i, quality: 'ok' };
    outbox.append([{ name: 'ups-1', kind: 'ups', protocol: 'snmp' }], [{ key: 'ups-1/output.l1.power', device: 'ups-1', metric: 'output.l1.power', unit: 'W', kind: 'gauge' }], [sample]);
    await outbox.flush();
  }
  return { outbox, files: await outbox.pending() };
}

describe('uplink', () => {
  let server: IngestServer | undefined;
  let uplink: Uplink | undefined;
  afterEach(async () => {
    await uplink?.stop();
    await server?.close();
    uplink = undefined;
    server = undefined;
  });

  it('200: sends oldest first with the bearer token, deletes each file after the ack', async () => {
    server = await startIngestServer((req) => ({ status: 200, body: { batchId: req.body.batchId, accepted: 1, inserted: 1, duplicate: false } }));
    const { outbox, files } = await outboxWith(3);
    const ids = await Promise.all(files.map(async (f) => (await outbox.read(f)).batchId));
    const { logger, lines } = recordingLogger();
    // One request per sealed file, strictly oldest first (backlog merging and the live lane are covered below).
    uplink = new Uplink({ serverUrl: `${server.url}/`, token: TOKEN, outbox, logger, mergeBacklog: false, liveLane: false });
    uplink.start();
    await waitFor(() => uplink!.batchesSent === 3, 5000, '3 batches sent');
    expect(server.requests.map((r) => r.body.batchId)).toEqual(ids);
    for (const r of server.requests) {
      expect(r.method).toBe('POST');
      expect(r.url).toBe('/api/v1/ingest');
      expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(r.headers['content-type']).toContain('application/json');
    }
    expect(await outbox.pending()).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });

  it('500: keeps the file and retries with backoff; the replay carries the same batchId', async () => {
    server = await startIngestServer((_req, i) => (i < 2 ? { status: 500, body: { error: { code: 'internal', message: 'db down' } } } : { status: 200, body: {} }));
    const { outbox, files } = await outboxWith(1);
    const { logger, lines } = recordingLogger();
    uplink = new Uplink({ serverUrl: server.url, token: TOKEN, outbox, logger, initialBackoffMs: 20 });
    uplink.start();
    await waitFor(() => server!.requests.length >= 1, 5000, 'first attempt');
    // While the server fails, the batch stays on disk.
    expect(await readdir(outbox.dir)).toContain(files[0]);
    await waitFor(() => uplink!.batchesSent === 1, 5000, 'batch sent after retries');
    expect(server.requests).toHaveLength(3);
    const ids = new Set(server.requests.map((r) => r.body.batchId));
    expect(ids.size).toBe(1);
    expect(await outbox.pending()).toEqual([]);
    expect(lines.filter((l) => l.level === 'warn').length).toBe(2);
    expect(JSON.stringify(lines)).toContain('db down');
  });

  it('429 honours Retry-After', async () => {
    server = await startIngestServer((_req, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: { error: { code: 'rate_limited', message: 'slow down' } } } : { status: 200, body: {} }));
    const { outbox } = await outboxWith(1);
    uplink = new Uplink({ serverUrl: server.url, token: TOKEN, outbox, logger: recordingLogger().logger, initialBackoffMs: 10 });
    const started = Date.now();
    uplink.start();
    await waitFor(() => uplink!.batchesSent === 1, 5000, 'sent after Retry-After');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('400/422: moves the file to rejected/, logs the server message once, never retries it, and continues with the next', async () => {
    server = await startIngestServer((_req, i) => (i === 0
      ? { status: 400, body: { error: { code: 'bad_request', message: 'body is not JSON' } } }
      : i === 1
        ? { status: 422, body: { error: { code: 'validation', message: 'samples[0].value: expected number' } } }
        : { status: 200, body: {} }));
    const { outbox, files } = await outboxWith(3);
    const { logger, lines } = recordingLogger();
    uplink = new Uplink({ serverUrl: server.url, token: TOKEN, outbox, logger, mergeBacklog: false, liveLane: false });
    uplink.start();
    await waitFor(() => uplink!.batchesSent === 1, 5000, 'third batch sent');
    expect(uplink.batchesRejected).toBe(2);
    expect(await outbox.rejectedFiles()).toEqual([files[0], files[1]].sort());
    expect(await outbox.pending()).toEqual([]);
    await new Promise((r) => setTimeout(r, 100));
    expect(server.requests).toHaveLength(3);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(2);
    expect(JSON.stringify(errors[0])).toContain('body is not JSON');
    expect(JSON.stringify(errors[1])).toContain('samples[0].value: expected number');
  });

  it('401: keeps the files, logs a clear auth error once, retries slowly', async () => {
    server = await startIngestServer((_req, i) => (i < 2 ? { status: 401, body: { error: { code: 'unauthorized', message: 'bad token' } } } : { status: 200, body: {} }));
    const { outbox, files } = await outboxWith(1);
    const { logger, lines } = recordingLogger();
    uplink = new Uplink({ serverUrl: server.url, token: TOKEN, outbox, logger, slowRetryMs: 150, initialBackoffMs: 1 });
    uplink.start();
    await waitFor(() => server!.requests.length >= 1, 5000, 'first attempt');
    await new Promise((r) => setTimeout(r, 50));
    expect(server.requests).toHaveLength(1); // slow retry, not a hot loop
    expect(await outbox.pending()).toEqual(files);
    await waitFor(() => uplink!.batchesSent === 1, 5000, 'sent once the token works');
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].msg).toMatch(/token/);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });

  it('network error: keeps the files and retries until the server appears', async () => {
    const { outbox, files } = await outboxWith(1);
    const { logger, lines } = recordingLogger();
    uplink = new Uplink({ serverUrl: 'http://127.0.0.1:9', token: TOKEN, outbox, logger, initialBackoffMs: 10, maxBackoffMs: 40 });
    uplink.start();
    await waitFor(() => lines.filter((l) => l.level === 'warn').length >= 2, 5000, 'two failed attempts');
    expect(await outbox.pending()).toEqual(files);
    expect(uplink.batchesSent).toBe(0);
  });

  it('drainOnce tries each file once and stops at the first failure', async () => {
    server = await startIngestServer((_req, i) => (i === 0 ? { status: 200, body: {} } : { status: 503, body: {} }));
    const { outbox } = await outboxWith(3);
    uplink = new Uplink({ serverUrl: server.url, token: TOKEN, outbox, logger: recordingLogger().logger });
    expect(await uplink.drainOnce(2000)).toBe(2);
    expect(server.requests).toHaveLength(2);
    expect(await outbox.pending()).toHaveLength(2);
  });

  it('stop() does not wait for a server that never answers; the batch stays on disk', async () => {
    const { createServer } = await import('node:http');
    const hanging = createServer(() => { /* never respond */ });
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    const { outbox, files } = await outboxWith(1);
    const link = new Uplink({ serverUrl: `http://127.0.0.1:${(hanging.address() as { port: number }).port}`, token: TOKEN, outbox, logger: recordingLogger().logger });
    link.start();
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await link.stop(200);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await outbox.pending()).toEqual(files);
    hanging.closeAllConnections();
    hanging.close();
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('2', 60_000)).toBe(2000);
    expect(retryAfterMs('600', 60_000)).toBe(60_000);
    expect(retryAfterMs(new Date(Date.UTC(2026, 0, 1, 0, 0, 10)).toUTCString(), 60_000, Date.UTC(2026, 0, 1))).toBe(10_000);
    expect(retryAfterMs('soon', 60_000)).toBeUndefined();
    expect(retryAfterMs(null, 60_000)).toBeUndefined();
  });
});
