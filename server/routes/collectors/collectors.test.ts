import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { issueToken } from '../../index.ts';

let t: TestApp;
let otherCollector: string;
beforeAll(async () => {
  t = await createTestApp();
  otherCollector = await issueToken(t.db, 'collector-2', 'collector');
});
afterAll(async () => { await t.close(); });

const ups = (device: string, port = 1161) => ({ device, kind: 'ups', profile: 'rfc1628-ups', host: '127.0.0.1', port, community: 'public' });
const meter = (device: string) => ({ device, kind: 'meter', profile: 'kiban-energy-meter', host: '127.0.0.1', port: 1502, unitId: 1, wordOrder: 'CDAB' });

async function json(res: Response) {
  return { status: res.status, body: await res.json() };
}

describe('central configuration — happy path', () => {
  it('admin assigns devices to a new collector; the collector registers and receives them', async () => {
    const put = await json(await t.call('/api/v1/collectors/site-a/targets', { method: 'PUT', json: { targets: [ups('ups-1'), meter('meter-1')] } }));
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ name: 'site-a', configVersion: 1 });

    const reg = await json(await t.call('/api/v1/collectors/register', { method: 'POST', token: t.tokens.collector, json: { name: 'site-a', version: '0.1.0', hostname: 'edge-1' } }));
    expect(reg.status).toBe(200);
    expect(reg.body.configVersion).toBe(1);
    expect(reg.body.targets).toEqual([meter('meter-1'), ups('ups-1')]);

    const list = await json(await t.call('/api/v1/collectors', { token: t.tokens.viewer }));
    expect(list.status).toBe(200);
    const row = list.body.items.find((c: any) => c.name === 'site-a');
    expect(row).toMatchObject({ configVersion: 1, targetCount: 2, bound: true, version: '0.1.0', hostname: 'edge-1' });
    expect(Date.parse(row.lastSeenAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('GET config answers at once without since, and with an old since', async () => {
    const now = await json(await t.call('/api/v1/collectors/site-a/config', { token: t.tokens.collector }));
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({ changed: true, configVersion: 1 });
    expect(now.body.targets).toHaveLength(2);
    const old = await json(await t.call('/api/v1/collectors/site-a/config?since=0&wait=10', { token: t.tokens.collector }));
    expect(old.body).toMatchObject({ changed: true, configVersion: 1 });
  });

  it('a long poll at the current version ends with changed:false when nothing changes', async () => {
    const started = Date.now();
    const res = await json(await t.call('/api/v1/collectors/site-a/config?since=1&wait=1', { token: t.tokens.collector }));
    expect(res.body).toEqual({ name: 'site-a', changed: false, configVersion: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('a held long poll is answered as soon as an admin assigns a device, with the new list', async () => {
    const started = Date.now();
    const poll = t.call('/api/v1/collectors/site-a/config?since=1&wait=20', { token: t.tokens.collector });
    await new Promise((r) => setTimeout(r, 200));
    const put = await json(await t.call('/api/v1/collectors/site-a/targets/ups-2', { method: 'PUT', json: ups('ups-2', 1162) }));
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ name: 'site-a', configVersion: 2, target: ups('ups-2', 1162) });
    const res = await json(await poll);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.body.changed).toBe(true);
    expect(res.body.configVersion).toBe(2);
    expect(res.body.targets.map((x: any) => x.device)).toEqual(['meter-1', 'ups-1', 'ups-2']);
  });

  it('PUT of one device without `device` in the body updates it; the same body again changes nothing', async () => {
    const { device: _omit, ...body } = ups('ups-2', 1163);
    const first = await json(await t.call('/api/v1/collectors/site-a/targets/ups-2', { method: 'PUT', json: body }));
    expect(first.status).toBe(200);
    expect(first.body.configVersion).toBe(3);
    const again = await json(await t.call('/api/v1/collectors/site-a/targets/ups-2', { method: 'PUT', json: body }));
    expect(again.body.configVersion).toBe(3);
  });

  it('DELETE unassigns a device and bumps the version', async () => {
    const del = await json(await t.call('/api/v1/collectors/site-a/targets/ups-2', { method: 'DELETE' }));
    expect(del).toEqual({ status: 200, body: { name: 'site-a', device: 'ups-2', configVersion: 4 } });
    const cfg = await json(await t.call('/api/v1/collectors/site-a/config', { token: t.tokens.collector }));
    expect(cfg.body.targets.map((x: any) => x.device)).toEqual(['meter-1', 'ups-1']);
  });

  it('replacing the list with the same targets (in another order) keeps the version; a real change bumps it once', async () => {
    const same = await json(await t.call('/api/v1/collectors/site-a/targets', { method: 'PUT', json: { targets: [ups('ups-1'), meter('meter-1')].reverse() } }));
    expect(same).toMatchObject({ status: 200, body: { configVersion: 4 } });
    const changed = await json(await t.call('/api/v1/collectors/site-a/targets', { method: 'PUT', json: { targets: [ups('ups-1', 2161)] } }));
    expect(changed.body.configVersion).toBe(5);
    const cfg = await json(await t.call('/api/v1/collectors/site-a/config'));
    expect(cfg.body.targets).toEqual([ups('ups-1', 2161)]);
  });

  it('re-registering with the bound token keeps the binding and the targets', async () => {
    const reg = await json(await t.call('/api/v1/collectors/register', { method: 'POST', token: t.tokens.collector, json: { name: 'site-a' } }));
    expect(reg.status).toBe(200);
    expect(reg.body.configVersion).toBe(5);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = await (await t.call('/api/v1/openapi.json')).json();
    for (const path of ['/api/v1/collectors', '/api/v1/collectors/register', '/api/v1/collectors/{name}/config', '/api/v1/collectors/{name}/targets', '/api/v1/collectors/{name}/targets/{device}']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.components.schemas.CollectorTarget).toBeDefined();
  });
});

describe('central configuration — bad input', () => {
  it('an unknown profile is refused naming the target index and field', async () => {
    const res = await json(await t.call('/api/v1/collectors/site-a/targets', { method: 'PUT', json: { targets: [ups('ups-1'), { ...ups('ups-9'), profile: 'no-such-ups' }] } }));
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues).toEqual([{ path: 'targets[1].profile', message: expect.stringContaining("unknown profile 'no-such-ups'") }]);
    expect(res.body.error.message).toContain('targets[1].profile');
  });

  it('duplicate devices are refused naming the second one', async () => {
    const res = await json(await t.call('/api/v1/collectors/site-a/targets', { method: 'PUT', json: { targets: [ups('ups-1'), meter('m'), ups('ups-1', 2)] } }));
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues.map((i: any) => i.path)).toEqual(['targets[2].device']);
  });

  it.each([
    ['a port out of range', { ...ups('u'), port: 70000 }, 'targets[0].port'],
    ['an unknown field', { ...ups('u'), comunity: 'x' }, 'targets[0]'],
    ['a bad device name', { ...ups('u'), device: 'bad name' }, 'targets[0].device'],
  ])('%s → 400 naming %s', async (_what, target, path) => {
    const res = await json(await t.call('/api/v1/collectors/site-a/targets', { method: 'PUT', json: { targets: [target] } }));
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues.map((i: any) => i.path)).toContain(path);
  });

  it('nothing of a refused list is stored', async () => {
    const cfg = await json(await t.call('/api/v1/collectors/site-a/config'));
    expect(cfg.body).toMatchObject({ configVersion: 5, targets: [ups('ups-1', 2161)] });
  });

  it('a single PUT whose body names another device → 400; unknown profile → 400 naming profile', async () => {
    const mismatch = await json(await t.call('/api/v1/collectors/site-a/targets/ups-7', { method: 'PUT', json: ups('ups-8') }));
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.details.issues[0].path).toBe('device');
    const profile = await json(await t.call('/api/v1/collectors/site-a/targets/ups-7', { method: 'PUT', json: { ...ups('ups-7'), profile: 'nope' } }));
    expect(profile.body.error.details.issues[0].path).toBe('profile');
  });

  it('unknown collector → 404 for config, single PUT and DELETE; unknown device → 404', async () => {
    expect((await t.call('/api/v1/collectors/ghost/config')).status).toBe(404);
    expect((await t.call('/api/v1/collectors/ghost/targets/ups-1', { method: 'PUT', json: ups('ups-1') })).status).toBe(404);
    expect((await t.call('/api/v1/collectors/ghost/targets/ups-1', { method: 'DELETE' })).status).toBe(404);
    const res = await json(await t.call('/api/v1/collectors/site-a/targets/not-there', { method: 'DELETE' }));
    expect(res.status).toBe(404);
    expect(res.body.error.message).toContain('not-there');
  });

  it('bad register body and bad query → 400', async () => {
    expect((await t.call('/api/v1/collectors/register', { method: 'POST', token: t.tokens.collector, json: { name: '' } })).status).toBe(400);
    expect((await t.call('/api/v1/collectors/site-a/config?wait=999', { token: t.tokens.collector })).status).toBe(400);
    expect((await t.call('/api/v1/collectors/site-a/config?since=-1', { token: t.tokens.collector })).status).toBe(400);
  });
});

describe('central configuration — security', () => {
  it('no token → 401 on every route', async () => {
    for (const [method, path] of [['GET', '/api/v1/collectors'], ['POST', '/api/v1/collectors/register'], ['GET', '/api/v1/collectors/site-a/config'],
      ['PUT', '/api/v1/collectors/site-a/targets'], ['PUT', '/api/v1/collectors/site-a/targets/u'], ['DELETE', '/api/v1/collectors/site-a/targets/u']]) {
      expect((await t.call(path, { method, token: null, json: method === 'GET' || method === 'DELETE' ? undefined : {} })).status, `${method} ${path}`).toBe(401);
    }
  });

  it('a viewer may list but not change targets, register, or read a collector\'s config (it holds credentials)', async () => {
    expect((await t.call('/api/v1/collectors', { token: t.tokens.viewer })).status).toBe(200);
    expect((await t.call('/api/v1/collectors/site-a/targets', { method: 'PUT', token: t.tokens.viewer, json: { targets: [] } })).status).toBe(403);
    expect((await t.call('/api/v1/collectors/site-a/targets/u', { method: 'PUT', token: t.tokens.viewer, json: ups('u') })).status).toBe(403);
    expect((await t.call('/api/v1/collectors/site-a/targets/ups-1', { method: 'DELETE', token: t.tokens.viewer })).status).toBe(403);
    expect((await t.call('/api/v1/collectors/register', { method: 'POST', token: t.tokens.viewer, json: { name: 'v' } })).status).toBe(403);
    expect((await t.call('/api/v1/collectors/site-a/config', { token: t.tokens.viewer })).status).toBe(403);
  });

  it('a collector token cannot change targets', async () => {
    expect((await t.call('/api/v1/collectors/site-a/targets', { method: 'PUT', token: t.tokens.collector, json: { targets: [] } })).status).toBe(403);
  });

  it('another collector\'s token can neither read this collector\'s config nor claim its name', async () => {
    const read = await json(await t.call('/api/v1/collectors/site-a/config', { token: otherCollector }));
    expect(read.status).toBe(403);
    expect(read.body.error.code).toBe('forbidden');
    const claim = await json(await t.call('/api/v1/collectors/register', { method: 'POST', token: otherCollector, json: { name: 'site-a' } }));
    expect(claim.status).toBe(403);
    expect(claim.body.error.message).toMatch(/registered to another token/);
    // The refused claim changed nothing: the rightful collector still reads its config.
    expect((await t.call('/api/v1/collectors/site-a/config', { token: t.tokens.collector })).status).toBe(200);
  });

  it('a collector token cannot read a pre-provisioned collector before registering it', async () => {
    await t.call('/api/v1/collectors/site-b/targets', { method: 'PUT', json: { targets: [ups('ups-b')] } });
    const res = await json(await t.call('/api/v1/collectors/site-b/config', { token: otherCollector }));
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('register first');
    expect((await t.call('/api/v1/collectors/register', { method: 'POST', token: otherCollector, json: { name: 'site-b' } })).status).toBe(200);
    expect((await t.call('/api/v1/collectors/site-b/config', { token: otherCollector })).status).toBe(200);
  });

  it('revoking the bound token releases the name for a replacement box', async () => {
    const oldBox = await issueToken(t.db, 'edge-old', 'collector');
    const newBox = await issueToken(t.db, 'edge-new', 'collector');
    expect((await t.call('/api/v1/collectors/register', { method: 'POST', token: oldBox, json: { name: 'site-c' } })).status).toBe(200);
    expect((await t.call('/api/v1/collectors/register', { method: 'POST', token: newBox, json: { name: 'site-c' } })).status).toBe(403);
    await t.db.query(`update api_tokens set revoked_at = now() where name = 'edge-old'`);
    expect((await t.call('/api/v1/collectors/register', { method: 'POST', token: newBox, json: { name: 'site-c' } })).status).toBe(200);
    expect((await t.call('/api/v1/collectors/site-c/config', { token: newBox })).status).toBe(200);
  });

  it('an admin registering a name does not bind it', async () => {
    expect((await t.call('/api/v1/collectors/register', { method: 'POST', json: { name: 'site-d' } })).status).toBe(200);
    expect((await t.call('/api/v1/collectors/register', { method: 'POST', token: otherCollector, json: { name: 'site-d' } })).status).toBe(200);
  });
});
