/**
 * One in-memory CmdbGraph per database handle, kept current from the CMDB history: every CMDB write records
 * history entries in the same transaction, and writers are serialised (lockCmdb), so replaying the entries
 * after the last one seen brings the graph to the committed state — also across server replicas. Each graph
 * query first replays the tail (one indexed query, usually empty).
 */
import type { Db } from '../../../db/client.ts';
import { graphHistoryTail, loadGraphRows, maxHistoryId } from '../../../db/queries/cmdb.ts';
import { CmdbGraph } from './graph.ts';

/** Beyond this many new entries a full reload is cheaper than replaying them one by one. */
const MAX_REPLAY = 20_000;

interface Cache { graph: CmdbGraph; lastId: number; syncing?: Promise<CmdbGraph> }
const caches = new WeakMap<Db, Cache>();

async function load(db: Db): Promise<Cache> {
  // The high-water mark first: entries committed while loading are replayed next time (replaying is idempotent).
  const lastId = await maxHistoryId(db);
  const { cis, relations } = await loadGraphRows(db);
  const graph = new CmdbGraph();
  for (const ci of cis) graph.upsertCi(ci);
  for (const r of relations) graph.upsertRelation(r);
  return { graph, lastId };
}

async function sync(db: Db): Promise<CmdbGraph> {
  let cache = caches.get(db);
  if (!cache) {
    cache = await load(db);
    caches.set(db, cache);
  }
  const tail = await graphHistoryTail(db, cache.lastId, MAX_REPLAY + 1);
  if (tail.length > MAX_REPLAY) {
    cache = await load(db);
    caches.set(db, cache);
    return cache.graph;
  }
  for (const e of tail) {
    if (e.entity === 'ci') {
      if (e.after) cache.graph.upsertCi({ id: e.entityId, key: e.after.key, type: e.after.type, name: e.after.name, status: e.after.status, parentId: e.after.parentId ?? null });
      else cache.graph.deleteCi(e.entityId);
    } else if (e.entity === 'relation') {
      if (e.after) cache.graph.upsertRelation({ id: e.entityId, kind: e.after.kind, fromId: e.after.fromId, toId: e.after.toId, feed: e.after.feed ?? null, port: e.after.port ?? null });
      else cache.graph.deleteRelation(e.entityId);
    }
    cache.lastId = e.id;
  }
  return cache.graph;
}

/** The CMDB graph as committed now. Concurrent callers share one sync. */
export async function cmdbGraph(db: Db): Promise<CmdbGraph> {
  const cache = caches.get(db);
  if (cache?.syncing) return cache.syncing;
  const run = sync(db);
  const current = caches.get(db);
  if (current) current.syncing = run;
  try {
    return await run;
  } finally {
    const after = caches.get(db);
    if (after && after.syncing === run) after.syncing = undefined;
  }
}
