// Hosts the embedded PGlite database in a worker thread so SQL never blocks the server's event loop.
// Plain JavaScript on purpose: worker threads do not inherit the TypeScript loader.
// Protocol: {id, op: 'query', sql, params, rowMode} → {id, rows, affectedRows} | {id, error}
//           {id, op: 'exec', sql} (multi-statement)   {id, op: 'close'}
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

parentPort.on('message', async (msg) => {
  const { id, op } = msg;
  try {
    if (op === 'query') {
      const res = await pg.query(msg.sql, msg.params ?? [], { rowMode: msg.rowMode ?? 'object' });
      parentPort.postMessage({ id, rows: res.rows, affectedRows: res.affectedRows ?? 0 });
    } else if (op === 'exec') {
      await pg.exec(msg.sql);
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
