/**
 * CMDB graph queries on a generated 2,000-rack site (35,000 CIs, 64,000 relations), through the HTTP API:
 * the power path of a rack, everything affected by losing UPS A, a distribution panel or one CRAC (with
 * redundancy evaluated), and the services that depend on a rack. The baseline, measured in the same run on the
 * same database, is the plain SQL way of asking "what is downstream of UPS A" (one recursive query over
 * relations and locations, reachability only, no redundancy): what a tool without an in-memory graph pays.
 * Also reported: the import of the whole site through the import path, and the first query after a change
 * (the graph replays the history tail).
 */
import { openDb } from '../db/client.ts';
import { generateSite } from '../firmware-sims/site/spec.ts';
import { applyPlan } from '../server/domain/cmdb/apply.ts';
import { CmdbGraph } from '../server/domain/cmdb/graph.ts';
import { sitePlan } from '../server/domain/cmdb/site-plan.ts';
import { issueToken, startServer } from '../server/index.ts';
import { silentLogger } from '../server/lib/logger.ts';
import type { Bench } from './index.ts';
import { freshDatabase, median } from './support.ts';

const ms = (x: number) => Number(x.toFixed(1));
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

export const cmdbBench: Bench = {
  name: 'cmdb',
  description: 'CMDB graph queries (power path, impact of UPS/panel/CRAC loss, dependent services) on a generated 2,000-rack site',
  async run({ quick, log }) {
    const racks = quick ? 300 : 2000;
    const runs = quick ? 5 : 20;
    const fresh = await freshDatabase('cmdb', log);
    try {
      const db = await openDb(fresh.url ? { url: fresh.url } : { dataDir: `${fresh.dir}/db` });
      try {
        const spec = generateSite({ racks, seed: 1 });
        const plan = sitePlan(spec);
        let t0 = performance.now();
        const imported = await applyPlan(db, plan, { actor: 'bench', mode: 'all-or-nothing' });
        const importS = (performance.now() - t0) / 1000;
        log(`import: ${imported.created.toLocaleString('en')} CIs, ${imported.relationsCreated.toLocaleString('en')} relations through the import path in ${importS.toFixed(1)} s (${db.kind})`);

        const server = await startServer({ db, port: 0, logger: silentLogger() });
        try {
          const token = await issueToken(db, 'bench', 'admin');
          const call = async (path: string, init: RequestInit = {}) => {
            const res = await fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
            if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
            return res.json() as Promise<any>;
          };
          t0 = performance.now();
          await call(`/api/v1/cis/${spec.racks[0].id}/power-path`);
          const firstLoadMs = performance.now() - t0;
          log(`first graph query (loads the graph into memory): ${firstLoadMs.toFixed(0)} ms`);

          const sample = Array.from({ length: runs }, (_, i) => spec.racks[Math.floor((i + 0.5) * spec.racks.length / runs)]);
          const timedEach = async <T>(items: T[], fn: (item: T) => Promise<unknown>) => {
            const out: number[] = [];
            for (const item of items) { const s = performance.now(); await fn(item); out.push(performance.now() - s); }
            return out;
          };
          const repeat = (n: number, fn: () => Promise<unknown>) => timedEach(Array.from({ length: n }), fn);
          const ups = spec.ups[0].id;
          const panel = `pdp-${ups.replace(/^ups-/, '')}`;
          const crac = sample[0].crac;
          let upsAffected = 0;
          const results = {
            powerPath: await timedEach(sample, (r) => call(`/api/v1/cis/${r.id}/power-path`)),
            impactUps: await repeat(runs, async () => { upsAffected = (await call(`/api/v1/cis/${ups}/impact`)).affected.length; }),
            impactPanel: await repeat(runs, () => call(`/api/v1/cis/${panel}/impact`)),
            impactCrac: await repeat(runs, () => call(`/api/v1/cis/${crac}/impact`)),
            services: await timedEach(sample, (r) => call(`/api/v1/cis/${r.id}/services`)),
          };
          // The answers over HTTP (graph loaded from the database) must equal those of a graph built straight from
          // the site description: a fast wrong answer is not a result.
          const reference = CmdbGraph.fromPlan(plan);
          const same = (a: unknown, b: unknown, what: string) => {
            if (JSON.stringify(a) === JSON.stringify(b)) return;
            const [x, y] = [a, b].map((v) => (Array.isArray(v) ? v.map((e) => JSON.stringify(e)) : [JSON.stringify(v)]));
            throw new Error(`wrong answer: ${what}: API has ${x.filter((e) => !y.includes(e)).slice(0, 3).join(" ")}, expected ${y.filter((e) => !x.includes(e)).slice(0, 3).join(" ")}`);
          };
          for (const key of [ups, panel, crac]) same((await call(`/api/v1/cis/${key}/impact`)).affected, reference.impact(reference.idOf(key)!), `impact of ${key}`);
          same((await call(`/api/v1/cis/${sample[1].id}/services`)).items, reference.dependentServices(reference.idOf(sample[1].id)!), `services of ${sample[1].id}`);
          same((await call(`/api/v1/cis/${sample[1].id}/power-path`)).sources, reference.powerPath(reference.idOf(sample[1].id)!).sources, `power path of ${sample[1].id}`);
          log('  answers checked against a graph built from the site description: equal');
          for (const [name, xs] of Object.entries(results)) log(`  ${name.padEnd(12)} median ${median(xs).toFixed(1)} ms, p95 ${p95(xs).toFixed(1)} ms`);
          log(`  (losing ${ups} affects ${upsAffected.toLocaleString('en')} CIs)`);
          const wholeSite = await repeat(Math.min(runs, 5), () => call('/api/v1/cis/tr-1/impact'));
          log(`  losing the transformer (every CI of the site affected): median ${median(wholeSite).toFixed(0)} ms`);

          // A change, then the first graph query: the graph replays the history tail.
          const afterChange = await repeat(Math.min(runs, 10), async () => {
            await call(`/api/v1/cis/${sample[0].id}`, { method: 'PATCH', body: JSON.stringify({ description: `bench ${Math.random()}` }) });
            const s = performance.now();
            await call(`/api/v1/cis/${ups}/impact`);
            return performance.now() - s;
          });
          log(`  UPS impact right after a change (edit + query, edit included): median ${median(afterChange).toFixed(1)} ms`);

          const upsId = (await db.query<{ id: number }>('select id from cis where key = $1', [ups]))[0].id;
          const baseline = await repeat(runs, () => db.query(
            `with recursive down(id) as (
               select $1::int4
               union
               select e.child from (
                 select from_id as child, to_id as parent from ci_relations where kind in ('powered_by', 'cooled_by', 'depends_on', 'part_of')
                 union all
                 select id, parent_id from cis where parent_id is not null
               ) e join down d on e.parent = d.id
             )
             select c.id, c.key, c.type from down join cis c on c.id = down.id`, [upsId]));
          log(`  baseline: one recursive SQL query for what is downstream of ${ups} (no redundancy): median ${median(baseline).toFixed(1)} ms`);

          const acceptance = ['powerPath', 'impactUps', 'impactPanel', 'impactCrac', 'services'] as const;
          const worst = Math.max(...acceptance.map((k) => p95(results[k])));
          return {
            bench: 'cmdb', value: ms(worst), unit: 'ms (slowest p95 of the five graph queries)', baseline: ms(median(baseline)),
            ratio: Number((median(results.impactUps) / median(baseline)).toFixed(2)), target: 200,
            db: db.kind, racks, cis: imported.created, relations: imported.relationsCreated, importS: Number(importS.toFixed(1)),
            firstLoadMs: ms(firstLoadMs), wholeSiteImpactMs: ms(median(wholeSite)), afterChangeMs: ms(median(afterChange)),
            ...Object.fromEntries(Object.entries(results).map(([k, xs]) => [`${k}MedianMs`, ms(median(xs))])),
          };
        } finally {
          await server.close();
        }
      } finally {
        await db.close();
      }
    } finally {
      await fresh.drop();
    }
  },
};
