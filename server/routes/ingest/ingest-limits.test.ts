/**
 * Bad input and backpressure on the ingest route, over real HTTP: each bad request gets its specific 4xx,
 * oversized ones are refused without reading them, and the server answers other clients meanwhile.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../../db/client.ts';
import { sampleCount } from '../../../db/queries/samples.ts';
import { upsBatch } from '../../../test/support/app.ts';
import { issueToken, startServer, type RunningServer } from '../../index.ts';
import { silentLogger } from '../../lib/logger.ts';
import { ingestGate } from './ingest.gate.ts';

let db: Db;
let server: RunningServer;
let token: string;
let port: number;

beforeAll(async () => {
  db = await openDb();
  token = await issueToken(db, 'collector-1', 'collector');
  server = await startServer({ db, port: 0, logger: silentLogger(), webDist: '/nonexistent' });
  port = server.port;
});
afterAll(async () => { await server?.close(); await db?.close(); });

const post = (body: string, headers: Record<string, string> = {}) => fetch(`${server.url}/api/v1/ingest`, {
  method: 'POST', body, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
});
const health = async () => (await fetch(`${server.url}/api/v1/health`)).status;

/** A raw HTTP/1.1 request whose body we send piece by piece; `response` settles with the status line. */
function rawPost(headers: Record<string, string>) {
  const socket = net.connect(port, '127.0.0.1');
  const head = [`POST /api/v1/ingest HTTP/1.1`, `host: 127.0.0.1:${port}`, `authorization: Bearer ${token}`, 'content-type: application/json',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
  socket.write(head);
  let received = '';
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    socket.on('data', (d) => {
      received += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (m && received.includes('\r\n\r\n') && received.includes('"error"')) resolve({ status: Number(m[1]), text: received });
    });
    // The server closes the connection after refusing: writes still in flight may fail with EPIPE/ECONNRESET
    // before its answer has been read. The answer still arrives; only a close without one is a failure.
    socket.on('error', (err: NodeJS.ErrnoException) => { if (!['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED'].includes(err.code ?? '')) reject(err); });
    socket.on('close', () => reject(new Error(`connection closed without a complete error answer; received: ${received.slice(0, 200)}`)));
  });
  return { socket, response };
}

describe('ingest refuses bad input with a specific 4xx', () => {
  it.each([
    ['value "NaN" (JSON cannot carry NaN)', '"NaN"', 'expected number, received string'],
    ['value 1e400 (overflows to Infinity)', '1e400', 'finite'],
    ['value -1e400', '-1e400', 'finite'],
    ['value true', 'true', 'expected number, received boolean'],
    ['value {}', '{}', 'expected number, received object'],
  ])('%s → 400 naming samples[1].value', async (_name, literal, message) => {
    const batch = upsBatch(4);
    const text = JSON.stringify(batch).replace(/"value":4002/, `"value":${literal}`);
    expect(text).toContain(literal);
    const before = await sampleCount(db);
    const res = await post(text);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('invalid_request');
    const issue = body.error.details.issues.find((i: any) => i.path === 'samples[2].value');
    expect(issue?.message).toContain(message);
    expect(await sampleCount(db)).toBe(before);
  });

  it.each([
    ['a number for ts', (b: any) => { b.samples[0].ts = 1764547200000; }, 'samples[0].ts', 400],
    ['a sample that is not an object', (b: any) => { b.samples[1] = 42; }, 'samples[1]', 400],
    ['samples that is not an array', (b: any) => { b.samples = 'many'; }, 'samples', 400],
    ['a ts one day ahead', (b: any) => { b.samples[0].ts = new Date(Date.now() + 86_400_000).toISOString(); }, 'samples[0].ts', 400],
    ['a ts in 1970', (b: any) => { b.samples[0].ts = '1970-01-01T00:00:00Z'; }, 'samples[0].ts', 400],
    ['a ts on a day that does not exist (Feb 30)', (b: any) => { b.samples[0].ts = '2026-02-30T10:00:00Z'; }, 'samples[0].ts', 400],
    ['a ts at hour 24', (b: any) => { b.samples[1].ts = '2026-03-01T24:00:00Z'; }, 'samples[1].ts', 400],
    ['Feb 29 of a year that has none', (b: any) => { b.samples[2].ts = '2026-02-29T00:00:00Z'; }, 'samples[2].ts', 400],
    ['a point neither declared nor stored', (b: any) => { b.samples[0].point = 'ups-t/never.declared'; }, 'samples[0].point', 400],
  ])('%s → %s', async (_name, mutate, path, status) => {
    const batch = upsBatch(4);
    mutate(batch);
    const res = await post(JSON.stringify(batch));
    expect(res.status).toBe(status);
    expect((await res.json()).error.details.issues.map((i: any) => i.path)).toContain(path);
  });

  it('a body that is not JSON → 400', async () => {
    const res = await post('{"batchId": ');
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('invalid_request');
  });

  it('1 million samples in one request → 413 by size, without the server reading them all', async () => {
    const one = JSON.stringify(upsBatch(1).samples[0]);
    const body = `{"batchId":"${crypto.randomUUID()}","collector":"collector-1","samples":[${Array.from({ length: 1_000_000 }, () => one).join(',')}]}`;
    expect(body.length).toBeGreaterThan(16 * 1024 * 1024);
    const { socket, response } = rawPost({ 'content-length': String(Buffer.byteLength(body)) });
    socket.on('error', () => {}); // the server closes the connection after answering: the rest is never read
    socket.write(body);
    const res = await response;
    expect(res.status).toBe(413);
    expect(res.text).toContain('payload_too_large');
    expect(res.text.toLowerCase()).toContain('connection: close');
    socket.destroy();
    expect(await health()).toBe(200);
  });

  it('1 million compact samples under the byte limit would still be refused by count → 413 too_many_samples', async () => {
    // 60,000 minimal samples fit in 16 MiB; the count check refuses them before any per-sample work.
    const one = '{"point":"a/b","ts":"2026-01-01T00:00:00Z","value":1,"quality":"ok"}';
    const body = `{"batchId":"${crypto.randomUUID()}","collector":"c","samples":[${Array.from({ length: 60_000 }, () => one).join(',')}]}`;
    const res = await post(body);
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('too_many_samples');
  });

  it('a declared 100 MB body → 413 at once, after the server read none of it; others are served meanwhile', async () => {
    const { socket, response } = rawPost({ 'content-length': String(100 * 1024 * 1024) });
    socket.write('{"batchId":"');
    // We never send the other 99.99 MB: the answer cannot depend on reading them.
    const res = await response;
    expect(res.status).toBe(413);
    expect(res.text).toContain('payload_too_large');
    expect(await health()).toBe(200);
    socket.destroy();
  });

  it('a streamed (chunked) body is cut off at the limit; health answers while it streams', async () => {
    const { socket, response } = rawPost({ 'transfer-encoding': 'chunked' });
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    let settled: { status: number } | undefined;
    void response.then((r) => { settled = r; });
    let sent = 0;
    for (let i = 0; i < 40 && !settled && !socket.destroyed; i++) {
      socket.write(`${chunk.length.toString(16)}\r\n`);
      socket.write(chunk);
      socket.write('\r\n');
      sent += chunk.length;
      if (i === 3) expect(await health()).toBe(200); // mid-stream: the server still answers others
      await new Promise((r) => setTimeout(r, 5));
    }
    const res = await response;
    expect(res.status).toBe(413);
    expect(sent).toBeLessThan(40 * chunk.length + 1);
    socket.destroy();
    expect(await health()).toBe(200);
  });
});

describe('ingest backpressure', () => {
  it('answers 503 with Retry-After when the database is behind, serves reads meanwhile, and writes what it admitted', async () => {
    // A database handle whose batch writes wait until we let them go: the database "falls behind".
    let open!: () => void;
    const gateOpen = new Promise<void>((r) => { open = r; });
    let blocked = 0;
    const slow: Db = {
      ...db,
      query: async (text, params) => {
        if (text.includes('insert into ingest_batches')) { blocked++; await gateOpen; }
        return db.query(text, params);
      },
    };
    const slowServer = await startServer({ db: slow, port: 0, logger: silentLogger(), webDist: '/nonexistent' });
    ingestGate(slow).limits = { maxConcurrent: 1, maxWaiting: 1, maxQueuedBytes: 64 * 1024 * 1024, maxWaitMs: 60_000, retryAfterS: 3 };
    try {
      const send = () => fetch(`${slowServer.url}/api/v1/ingest`, {
        method: 'POST', body: JSON.stringify(upsBatch(20, { device: 'ups-bp' })),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });
      const first = send();
      while (blocked === 0) await new Promise((r) => setTimeout(r, 10));
      const second = send(); // waits for the write slot
      while (ingestGate(slow).waiting === 0) await new Promise((r) => setTimeout(r, 10));
      const third = await send(); // neither a slot nor room to wait: refused
      expect(third.status).toBe(503);
      expect(third.headers.get('retry-after')).toBe('3');
      expect((await third.json()).error.code).toBe('overloaded');
      expect((await fetch(`${slowServer.url}/api/v1/health`)).status).toBe(200);
      open();
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
      expect(ingestGate(slow)).toMatchObject({ active: 0, waiting: 0, queuedBytes: 0 });
    } finally {
      open();
      await slowServer.close();
    }
  });

  it('refuses before reading the body when the queued bytes would pass the bound', async () => {
    const gate = ingestGate(db);
    const saved = gate.limits;
    gate.limits = { ...saved, maxQueuedBytes: 1000 };
    const release = gate.admit(900);
    try {
      const res = await post(JSON.stringify(upsBatch(20)));
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      release();
      gate.limits = saved;
    }
    expect((await post(JSON.stringify(upsBatch(20)))).status).toBe(200);
  });
});
