// Hosts the embedded PGlite database in a worker thread so SQL never blocks the server's event loop.
// Plain JavaScript on purpose: worker threads do not inherit the TypeScript loader.
// Protocol: {id, op: 'query', sql, params, rowMode, txId?} → {id, rows, affectedRows} | {id, error}
//           {id, op: 'exec', sql} (multi-statement)   {id, op: 'close'}
//           {id, op: 'txBegin'} → {id} once BEGIN ran; queries with txId = that id run inside it, every other
//           query waits (PGlite's own transaction mutex); {id, op: 'txEnd', txId, commit} → {id} | {id, error}
import { parentPort, workerData } from 'node:worker_threads';
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';

const { dataDir, migrationsFolder, runMigrations } = workerData;

function toError(err) {
  return { message: err?.message ?? String(err), code: err?.code, detail: err?.detail };
}

let pg;
try {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  pg = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  if (runMigrations) await migrate(drizzle({ client: pg }), { migrationsFolder });
  parentPort.postMessage({ ready: true });
} catch (err) {
  parentPort.postMessage({ initError: toError(err) });
}

/** Open transactions by the id of their txBegin message. */
const txs = new Map();
const ROLLBACK = Symbol('rollback');

parentPort.on('message', async (msg) => {
  const { id, op } = msg;
  try {
    if (op === 'query') {
      const target = msg.txId === undefined ? pg : txs.get(msg.txId)?.tx;
      if (!target) throw new Error(`transaction ${msg.txId} is not open`);
      const res = await target.query(msg.sql, msg.params ?? [], { rowMode: msg.rowMode ?? 'object' });
      parentPort.postMessage({ id, rows: res.rows, affectedRows: res.affectedRows ?? 0 });
    } else if (op === 'exec') {
      await pg.exec(msg.sql);
      parentPort.postMessage({ id, rows: [], affectedRows: 0 });
    } else if (op === 'txBegin') {
      let end;
      const ended = new Promise((resolve, reject) => { end = { resolve, reject }; });
      const entry = { tx: undefined, end, done: undefined };
      entry.done = pg.transaction(async (tx) => {
        entry.tx = tx;
        txs.set(id, entry);
        parentPort.postMessage({ id, rows: [], affectedRows: 0 });
        await ended;
      }).catch((err) => { if (err !== ROLLBACK) throw err; }).finally(() => txs.delete(id));
      entry.done.catch((err) => { if (!txs.has(id) && !entry.tx) parentPort.postMessage({ id, error: toError(err) }); });
    } else if (op === 'txEnd') {
      const entry = txs.get(msg.txId);
      if (!entry) throw new Error(`transaction ${msg.txId} is not open`);
      if (msg.commit) entry.end.resolve(); else entry.end.reject(ROLLBACK);
      await entry.done;
      parentPort.postMessage({ id, rows: [], affectedRows: 0 });
    } else if (op === 'close') {
      await pg.close();
      parentPort.postMessage({ id, rows: [], affectedRows: 0 });
    } else {
      parentPort.postMessage({ id, error: { message: `unknown op ${op}` } });
    }
  } catch (err) {
    parentPort.postMessage({ id, error: toError(err) });
  }
});
