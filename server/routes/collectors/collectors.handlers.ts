import type { Context } from 'hono';
import type { RouteHandler } from '@hono/zod-openapi';
import {
  collectorByName, collectorConfig, configVersionOf, deleteTarget, listCollectors, putTarget, registerCollector, replaceTargets,
  touchCollector, type CollectorRecord, type StoredTarget,
} from '../../../db/queries/collectors.ts';
import { COLLECTOR_CONFIG_LIMITS, profileProblem, type TargetConfig } from '../../contracts/collector-config.ts';
import type { AppEnv } from '../../lib/context.ts';
import { describeIssues, errorJson, type FieldIssue } from '../../lib/errors.ts';
import { CONFIG_RECHECK_MS, configChangesFor } from '../../live/config-changes.ts';
import type {
  deleteTargetRoute, getCollectorConfigRoute, listCollectorsRoute, putTargetRoute, registerCollectorRoute, replaceTargetsRoute,
} from './collectors.routes.ts';

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function invalid(c: Context<AppEnv>, issues: FieldIssue[]) {
  return errorJson(c, 400, 'invalid_request', describeIssues(issues), { target: 'json', issues });
}

/**
 * The collector bound to this name may read it, and admins; any other collector token may not (it would
 * learn the devices and their SNMP credentials of a site that is not its own).
 */
function mayRead(c: Context<AppEnv>, record: CollectorRecord): boolean {
  const principal = c.get('principal');
  return principal.role === 'admin' || (principal.role === 'collector' && record.tokenId === principal.tokenId);
}

export const handleRegister: RouteHandler<typeof registerCollectorRoute, AppEnv> = async (c) => {
  const { db, logger } = c.get('deps');
  const principal = c.get('principal');
  const body = c.req.valid('json');
  const outcome = await registerCollector(db, {
    name: body.name, tokenId: principal.role === 'collector' ? principal.tokenId : null, version: body.version, hostname: body.hostname,
  });
  if (!outcome.ok) {
    logger.warn({ collector: body.name, token: principal.name }, 'collector registration refused: name bound to another token');
    return errorJson(c, 403, 'forbidden',
      `collector name '${body.name}' is registered to another token; use that collector's token, pick another name, or revoke the other token to move the name`);
  }
  const config = (await collectorConfig(db, outcome.id))!;
  logger.info({ collector: body.name, token: principal.name, version: body.version, hostname: body.hostname, configVersion: config.configVersion }, 'collector registered');
  return c.json({ name: body.name, changed: true, configVersion: config.configVersion, targets: config.targets as unknown as TargetConfig[] }, 200);
};

export const handleGetConfig: RouteHandler<typeof getCollectorConfigRoute, AppEnv> = async (c) => {
  const { db } = c.get('deps');
  const { name } = c.req.valid('param');
  const { since, wait = COLLECTOR_CONFIG_LIMITS.defaultWaitS } = c.req.valid('query');
  const record = await collectorByName(db, name);
  if (!record) {
    return c.get('principal').role === 'admin'
      ? errorJson(c, 404, 'not_found', `no collector '${name}'`)
      : errorJson(c, 404, 'not_found', `no collector '${name}': register first (POST /api/v1/collectors/register)`);
  }
  if (!mayRead(c, record)) {
    return errorJson(c, 403, 'forbidden', `collector '${name}' is not registered to this token${record.tokenId === null ? ': register first' : ''}`);
  }
  await touchCollector(db, record.id);

  if (since !== undefined) {
    // Long poll: subscribe before reading the version so a change in between still wakes us. The periodic
    // re-read picks up changes made through another server replica (no cross-replica notify yet).
    const subscription = configChangesFor(db).subscribe(name);
    const clientGone = c.req.raw.signal;
    try {
      const deadline = Date.now() + wait * 1000;
      for (;;) {
        const version = await configVersionOf(db, record.id);
        if (version === undefined) return errorJson(c, 404, 'not_found', `no collector '${name}'`);
        if (version !== since) break;
        const left = deadline - Date.now();
        if (left <= 0 || clientGone.aborted) return c.json({ name, changed: false, configVersion: version }, 200);
        await subscription.next(Math.min(left, CONFIG_RECHECK_MS), clientGone);
      }
    } finally {
      subscription.close();
    }
  }
  const config = await collectorConfig(db, record.id);
  if (!config) return errorJson(c, 404, 'not_found', `no collector '${name}'`);
  return c.json({ name, changed: true, configVersion: config.configVersion, targets: config.targets as unknown as TargetConfig[] }, 200);
};

export const handleListCollectors: RouteHandler<typeof listCollectorsRoute, AppEnv> = async (c) => {
  const rows = await listCollectors(c.get('deps').db);
  return c.json({ items: rows.map((r) => ({ ...r, registeredAt: iso(r.registeredAt), lastSeenAt: iso(r.lastSeenAt) })) }, 200);
};

export const handleReplaceTargets: RouteHandler<typeof replaceTargetsRoute, AppEnv> = async (c) => {
  const { db, logger } = c.get('deps');
  const { name } = c.req.valid('param');
  const { targets } = c.req.valid('json');
  const issues: FieldIssue[] = [];
  targets.forEach((t, i) => {
    const problem = profileProblem(t.profile);
    if (problem) issues.push({ path: `targets[${i}].profile`, message: problem });
  });
  if (issues.length > 0) return invalid(c, issues);
  const result = await replaceTargets(db, name, targets as StoredTarget[]);
  if (result.changed) configChangesFor(db).notify(name, result.configVersion);
  logger.info({ collector: name, by: c.get('principal').name, targets: targets.length, configVersion: result.configVersion, changed: result.changed }, 'collector targets replaced');
  return c.json({ name, configVersion: result.configVersion, targets }, result.created ? 201 : 200);
};

export const handlePutTarget: RouteHandler<typeof putTargetRoute, AppEnv> = async (c) => {
  const { db, logger } = c.get('deps');
  const { name, device } = c.req.valid('param');
  const body = c.req.valid('json');
  const issues: FieldIssue[] = [];
  if (body.device !== undefined && body.device !== device) issues.push({ path: 'device', message: `'${body.device}' does not match the path's '${device}'` });
  const problem = profileProblem(body.profile);
  if (problem) issues.push({ path: 'profile', message: problem });
  if (issues.length > 0) return invalid(c, issues);
  const record = await collectorByName(db, name);
  if (!record) return errorJson(c, 404, 'not_found', `no collector '${name}' (PUT /api/v1/collectors/${name}/targets creates one)`);
  const target = { ...body, device } as TargetConfig;
  const result = await putTarget(db, record.id, target as unknown as StoredTarget);
  if (!result) return errorJson(c, 404, 'not_found', `no collector '${name}'`);
  configChangesFor(db).notify(name, result.configVersion);
  logger.info({ collector: name, device, by: c.get('principal').name, configVersion: result.configVersion }, result.created ? 'device assigned to collector' : 'device assignment updated');
  return c.json({ name, configVersion: result.configVersion, target }, result.created ? 201 : 200);
};

export const handleDeleteTarget: RouteHandler<typeof deleteTargetRoute, AppEnv> = async (c) => {
  const { db, logger } = c.get('deps');
  const { name, device } = c.req.valid('param');
  const record = await collectorByName(db, name);
  if (!record) return errorJson(c, 404, 'not_found', `no collector '${name}'`);
  const result = await deleteTarget(db, record.id, device);
  if (!result) return errorJson(c, 404, 'not_found', `device '${device}' is not assigned to collector '${name}'`);
  configChangesFor(db).notify(name, result.configVersion);
  logger.info({ collector: name, device, by: c.get('principal').name, configVersion: result.configVersion }, 'device unassigned from collector');
  return c.json({ name, device, configVersion: result.configVersion }, 200);
};
