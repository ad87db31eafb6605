import { createRoute, z } from '@hono/zod-openapi';
import { EFFECTS } from '../../domain/cmdb/graph.ts';
import { CI_STATUSES, CI_TYPES, RELATION_KINDS } from '../../domain/cmdb/types.ts';
import { bodyLimit } from 'hono/body-limit';
import { errorBody, errorJson, errorResponses } from '../../lib/errors.ts';
import { readers, requireRole } from '../../middlewares/auth.ts';

/** Only administrators change the CMDB (viewers read it). */
const editors = requireRole();
/** Import bodies are bounded (a 100,000-CI export is ~30 MB); an endless chunked body is cut off. */
export const MAX_IMPORT_BYTES = 32 * 1024 * 1024;
const importLimit = bodyLimit({ maxSize: MAX_IMPORT_BYTES, onError: (c) => errorJson(c, 413, 'payload_too_large', `import body over ${MAX_IMPORT_BYTES / 1024 / 1024} MiB; split it`) });

const keyParam = z.object({ key: z.string().min(1).max(128).openapi({ param: { name: 'key', in: 'path' }, example: 'r1-a01' }) });
const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const notFound = { 404: json(errorBody, 'No such CI') };
const invalid = { 422: json(errorBody, 'The change breaks a configuration rule: `details.issues` lists each with path, code and message') };
const conflict = { 409: json(errorBody, 'Conflicts with the current state (stale version, CI still contains others, key exists)') };

const ref = z.object({ key: z.string(), type: z.string(), name: z.string() }).openapi('CiRef');
export const modelView = z.object({
  key: z.string(), type: z.string(), vendor: z.string(), model: z.string(), uHeight: z.number().nullable(), weightKg: z.number().nullable(),
  nameplateW: z.number().nullable(), psuCount: z.number().nullable(), airflow: z.string().nullable(), attributes: z.record(z.string(), z.unknown()),
}).openapi('CiModel');
export const ciView = z.object({
  key: z.string(), type: z.enum(CI_TYPES), name: z.string(), status: z.enum(CI_STATUSES), description: z.string().nullable(),
  model: modelView.nullable(), vendor: z.string().nullable(), serial: z.string().nullable(), assetTag: z.string().nullable(), owner: z.string().nullable(),
  installDate: z.string().nullable(), warrantyEnd: z.string().nullable(), supportEnd: z.string().nullable(),
  maintenanceContract: z.string().nullable(), maintenanceVendor: z.string().nullable(),
  parent: z.string().nullable(), positionU: z.number().nullable(), face: z.enum(['front', 'rear']).nullable(),
  devices: z.array(z.string()).openapi({ description: 'collector devices whose points belong to this CI' }),
  device: z.string().nullable().openapi({ description: 'the first of `devices` (convenience)' }),
  attributes: z.record(z.string(), z.unknown()), tags: z.array(z.string()), links: z.array(z.object({ title: z.string(), url: z.string() })),
  version: z.number().int(), createdAt: z.string().nullable(), updatedAt: z.string().nullable(), updatedBy: z.string().nullable(),
}).openapi('Ci');
export const relationView = z.object({
  id: z.number().int(), kind: z.enum(RELATION_KINDS), from: ref, to: ref,
  feed: z.enum(['A', 'B']).nullable(), port: z.string().nullable(), phase: z.string().nullable(), note: z.string().nullable(),
}).openapi('CiRelation');

const ciBody = z.record(z.string(), z.unknown()).openapi({
  description: 'A CI: key, type, name, status, model (library key), serial, assetTag, owner, installDate, warrantyEnd, supportEnd, '
    + 'maintenanceContract, maintenanceVendor, parent (key), positionU, face, devices, attributes (typed per CI type), tags, links',
  example: { key: 'r1-a01-srv20', type: 'server', name: 'db-01', model: 'dell/poweredge-r650', parent: 'r1-a01', positionU: 30, serial: 'CN7X9' },
});
const listQuery = z.object({
  q: z.string().max(200).optional().openapi({ description: 'substring of key, name, serial or asset tag' }),
  type: z.string().max(500).optional().openapi({ description: 'comma-separated CI types' }),
  status: z.string().max(500).optional().openapi({ description: 'comma-separated statuses' }),
  parent: z.string().max(128).optional().openapi({ description: 'key of the CI they are located in' }),
  tag: z.string().max(64).optional(),
  device: z.string().min(1).max(128).optional().openapi({ description: 'name of a collector device: the CI it belongs to (monitored-by)' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional().openapi({ description: '`next` of the previous page' }),
});

export const listCisRoute = createRoute({
  method: 'get', path: '/api/v1/cis', tags: ['cmdb'], summary: 'Configuration items, ordered by key, with search and filters',
  middleware: [readers] as const, request: { query: listQuery },
  responses: { 200: json(z.object({ items: z.array(ciView), next: z.string().optional() }), 'CIs'), ...errorResponses },
});
export const createCiRoute = createRoute({
  method: 'post', path: '/api/v1/cis', tags: ['cmdb'], summary: 'Create a CI',
  middleware: [editors] as const, request: { body: { content: { 'application/json': { schema: ciBody } }, required: true } },
  responses: { 201: json(z.object({ ci: ciView }), 'Created'), ...errorResponses, ...conflict, ...invalid },
});
export const getCiRoute = createRoute({
  method: 'get', path: '/api/v1/cis/{key}', tags: ['cmdb'], summary: 'A CI with its location path, what it contains and its relationships',
  middleware: [readers] as const, request: { params: keyParam },
  responses: { 200: json(z.object({ ci: ciView, path: z.array(ref), children: z.array(ciView), relations: z.array(relationView) }), 'The CI'), ...errorResponses, ...notFound },
});
export const patchCiRoute = createRoute({
  method: 'patch', path: '/api/v1/cis/{key}', tags: ['cmdb'], summary: 'Change fields of a CI (null clears one); `version` guards against lost updates',
  middleware: [editors] as const,
  request: { params: keyParam, body: { content: { 'application/json': { schema: ciBody } }, required: true } },
  responses: { 200: json(z.object({ ci: ciView }), 'Updated'), ...errorResponses, ...notFound, ...conflict, ...invalid },
});
export const deleteCiRoute = createRoute({
  method: 'delete', path: '/api/v1/cis/{key}', tags: ['cmdb'], summary: 'Delete a CI and its relationships (refused while it contains other CIs)',
  middleware: [editors] as const, request: { params: keyParam },
  responses: { 204: { description: 'Deleted' }, ...errorResponses, ...notFound, ...conflict },
});

const change = z.object({ field: z.string(), before: z.unknown(), after: z.unknown() });
export const historyRoute = createRoute({
  method: 'get', path: '/api/v1/cis/{key}/history', tags: ['cmdb'],
  summary: 'Every change to the CI and its relationships (who, when, before → after), or with `asOf` the CI as it was then',
  middleware: [readers] as const,
  request: { params: keyParam, query: z.object({ asOf: z.iso.datetime({ offset: true }).optional().openapi({ example: '2026-12-01T00:00:00Z' }) }) },
  responses: {
    200: json(z.union([
      z.object({ items: z.array(z.object({ id: z.number(), at: z.string(), actor: z.string(), source: z.string(), entity: z.enum(['ci', 'relation', 'model']), action: z.enum(['create', 'update', 'delete']), summary: z.string(), changes: z.array(change) })) }),
      z.object({ asOf: z.string(), ci: ciView.nullable(), children: z.array(ciView), relations: z.array(relationView) }),
    ]), 'History, or the state as of the date'),
    ...errorResponses, ...notFound,
  },
});
export const ciPointsRoute = createRoute({
  method: 'get', path: '/api/v1/cis/{key}/points', tags: ['cmdb'], summary: 'Points of the CI (monitored-by) with their latest values',
  middleware: [readers] as const, request: { params: keyParam },
  responses: {
    200: json(z.object({ items: z.array(z.object({ key: z.string(), device: z.string(), metric: z.string(), unit: z.string(), role: z.string().nullable(), description: z.string().nullable(), value: z.number().nullable(), ts: z.string().nullable(), quality: z.string().nullable() })) }), 'Points'),
    ...errorResponses, ...notFound,
  },
});
const graphNode = z.object({ key: z.string(), type: z.string(), name: z.string(), status: z.string() });
export const powerPathRoute = createRoute({
  method: 'get', path: '/api/v1/cis/{key}/power-path', tags: ['cmdb'], summary: 'The power path of a CI up to the utility: every supplier and link, with feeds',
  middleware: [readers] as const, request: { params: keyParam },
  responses: {
    200: json(z.object({ root: z.string(), nodes: z.array(graphNode.extend({ depth: z.number() })), edges: z.array(z.object({ from: z.string(), to: z.string(), feed: z.string().nullable(), port: z.string().nullable() })), sources: z.array(z.string()) }), 'Power path'),
    ...errorResponses, ...notFound,
  },
});
export const impactRoute = createRoute({
  method: 'get', path: '/api/v1/cis/{key}/impact', tags: ['cmdb'],
  summary: 'What losing this CI does: who loses power or cooling, who only loses redundancy, which services go down',
  middleware: [readers] as const, request: { params: keyParam },
  responses: {
    200: json(z.object({ failed: z.string(), affected: z.array(graphNode.omit({ status: true }).extend({ effect: z.enum(EFFECTS as [string, ...string[]]), via: z.string() })), counts: z.record(z.string(), z.number()) }), 'Impact'),
    ...errorResponses, ...notFound,
  },
});
export const servicesRoute = createRoute({
  method: 'get', path: '/api/v1/cis/{key}/services', tags: ['cmdb'], summary: 'Services that depend on this CI or on anything located in it',
  middleware: [readers] as const, request: { params: keyParam },
  responses: { 200: json(z.object({ items: z.array(z.object({ key: z.string(), name: z.string(), status: z.string(), via: z.string() })) }), 'Services'), ...errorResponses, ...notFound },
});

export const createRelationRoute = createRoute({
  method: 'post', path: '/api/v1/ci-relations', tags: ['cmdb'], summary: 'Relate two CIs (powered_by, cooled_by, depends_on, part_of, monitored_by)',
  middleware: [editors] as const,
  request: { body: { content: { 'application/json': { schema: z.record(z.string(), z.unknown()).openapi({ example: { kind: 'powered_by', from: 'r1-a01', to: 'feed-r1-a01-a', feed: 'A' } }) } }, required: true } },
  responses: { 201: json(z.object({ relation: relationView }), 'Created'), ...errorResponses, ...invalid },
});
export const deleteRelationRoute = createRoute({
  method: 'delete', path: '/api/v1/ci-relations/{id}', tags: ['cmdb'], summary: 'Remove a relationship',
  middleware: [editors] as const, request: { params: z.object({ id: z.coerce.number().int().min(1).max(2_147_483_647).openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: { 204: { description: 'Removed' }, ...errorResponses, 404: json(errorBody, 'No such relation') },
});

export const listModelsRoute = createRoute({
  method: 'get', path: '/api/v1/ci-models', tags: ['cmdb'], summary: 'The model library (device and rack models)',
  middleware: [readers] as const, request: { query: z.object({ type: z.enum(CI_TYPES).optional() }) },
  responses: { 200: json(z.object({ items: z.array(modelView) }), 'Models'), ...errorResponses },
});
export const putModelRoute = createRoute({
  method: 'post', path: '/api/v1/ci-models', tags: ['cmdb'], summary: 'Add or update a library model',
  middleware: [editors] as const,
  request: { body: { content: { 'application/json': { schema: z.record(z.string(), z.unknown()).openapi({ example: { key: 'dell/poweredge-r650', type: 'server', vendor: 'Dell', model: 'PowerEdge R650', uHeight: 1, weightKg: 21.2, nameplateW: 1100, psuCount: 2 } }) } }, required: true } },
  responses: { 200: json(z.object({ model: modelView }), 'Saved'), ...errorResponses, ...invalid },
});

// Recursive in fact; described one level deep (a lazy self-reference overflows the OpenAPI generator).
const treeNode = z.object({
  key: z.string(), type: z.string(), name: z.string(), status: z.string(),
  devices: z.number().openapi({ description: 'CIs located directly in it that are not places (devices, panels, …)' }),
  children: z.array(z.any()).openapi({ description: 'nodes of the same shape' }),
}).openapi('CmdbTreeNode');
export const treeRoute = createRoute({
  method: 'get', path: '/api/v1/cmdb/tree', tags: ['cmdb'], summary: 'Location tree: sites → buildings → rooms → rows → racks, with how many CIs each holds',
  middleware: [readers] as const,
  responses: { 200: json(z.object({ items: z.array(treeNode) }), 'Tree'), ...errorResponses },
});
export const auditRoute = createRoute({
  method: 'get', path: '/api/v1/cmdb/audit', tags: ['cmdb'],
  summary: 'Configuration audit: the CMDB compared with what the collectors discover',
  middleware: [readers] as const,
  responses: {
    200: json(z.object({ checkedAt: z.string(), items: z.array(z.object({ kind: z.string(), severity: z.string(), ci: z.string().optional(), device: z.string().optional(), field: z.string().optional(), documented: z.unknown().optional(), discovered: z.unknown().optional(), message: z.string() })) }), 'Discrepancies'),
    ...errorResponses,
  },
});

const importResult = z.object({
  dryRun: z.boolean(), created: z.number(), updated: z.number(), unchanged: z.number(), relationsCreated: z.number(), relationsUpdated: z.number(), modelsChanged: z.number(),
  errors: z.array(z.object({ collection: z.string(), row: z.number(), ref: z.string().optional(), field: z.string(), message: z.string() })),
}).openapi('ImportResult');
const dryRunQuery = z.object({ dryRun: z.enum(['true', 'false']).optional().openapi({ description: 'validate and report, write nothing' }) });
export const importNetboxRoute = createRoute({
  method: 'post', path: '/api/v1/cmdb/import/netbox', tags: ['cmdb'],
  summary: 'Import NetBox REST API JSON (sites, locations, racks, device types, devices, power panels, power feeds, cables)',
  description: 'Body: an object whose keys are NetBox collections, each a list or a paginated `{count, results}` response. Bad rows are skipped and reported by collection, row and field.',
  middleware: [editors, importLimit] as const,
  request: { query: dryRunQuery, body: { content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } }, required: true } },
  responses: { 200: json(importResult, 'Imported (see errors for skipped rows)'), ...errorResponses, 413: json(errorBody, 'Body too large') },
});
export const importPlanRoute = createRoute({
  method: 'post', path: '/api/v1/cmdb/import', tags: ['cmdb'], summary: 'Import Kiban JSON: {models, cis, relations}',
  middleware: [editors, importLimit] as const,
  request: { query: dryRunQuery, body: { content: { 'application/json': { schema: z.object({ models: z.array(z.unknown()).default([]), cis: z.array(z.unknown()).default([]), relations: z.array(z.unknown()).default([]) }) } }, required: true } },
  responses: { 200: json(importResult, 'Imported (see errors for skipped rows)'), ...errorResponses, 413: json(errorBody, 'Body too large') },
});
export const importCsvRoute = createRoute({
  method: 'post', path: '/api/v1/cmdb/import/csv', tags: ['cmdb'], summary: 'Import CIs of one type from CSV (the format the export writes)',
  middleware: [editors, importLimit] as const,
  request: { query: dryRunQuery.extend({ type: z.enum(CI_TYPES) }), body: { content: { 'text/csv': { schema: z.string() } }, required: true } },
  responses: { 200: json(importResult, 'Imported (see errors for skipped rows)'), ...errorResponses, 413: json(errorBody, 'Body too large') },
});
export const exportCsvRoute = createRoute({
  method: 'get', path: '/api/v1/cmdb/export/csv', tags: ['cmdb'], summary: 'Export CIs of one type as CSV',
  middleware: [readers] as const, request: { query: z.object({ type: z.enum(CI_TYPES) }) },
  responses: { 200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } }, ...errorResponses },
});
