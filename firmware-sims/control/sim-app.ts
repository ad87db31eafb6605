/**
 * Simulator control API (`/sim/v1`) over the whole simulated site: device discovery, ground truth of every
 * device and of the facility, fault injection and clearing, and a site summary. Errors are JSON
 * `{error: {code, message, details?}}` like the product API, with `details.field` naming the bad input.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { FaultError } from '../faults/registry.ts';
import type { SiteModel } from '../physics/site-model.ts';
import type { SimEndpoint } from '../site/types.ts';

export interface SimControlAppOptions {
  /** The running device endpoints (adapters know their ports; the model does not). */
  endpoints: () => SimEndpoint[];
  model: SiteModel;
}

const faultRequestSchema = z.object({
  kind: z.string().min(1),
  target: z.string().min(1),
  params: z.record(z.string(), z.unknown()).optional(),
});

type ErrorStatus = 400 | 404 | 500;

function errorBody(code: string, message: string, field?: string) {
  return { error: { code, message, ...(field ? { details: { field } } : {}) } };
}

function sendError(c: Context, status: ErrorStatus, code: string, message: string, field?: string) {
  return c.json(errorBody(code, message, field), status);
}

export function createSimControlApp({ endpoints, model }: SimControlAppOptions): Hono {
  const app = new Hono();
  const isoTime = () => new Date(model.state().simTimeMs).toISOString();

  app.get('/sim/v1/devices', (c) => c.json({ items: endpoints() }));

  app.get('/sim/v1/site', (c) => {
    const spec = model.spec;
    const endpointsByKind: Record<string, number> = {};
    for (const e of endpoints()) endpointsByKind[e.kind] = (endpointsByKind[e.kind] ?? 0) + 1;
    return c.json({
      name: spec.name,
      seed: model.seed,
      simTime: isoTime(),
      rooms: spec.rooms.length,
      rows: spec.rooms.reduce((n, r) => n + r.rows.length, 0),
      racks: spec.racks.length,
      nominalItW: spec.racks.reduce((s, r) => s + r.itLoadW, 0),
      devices: { ups: spec.ups.length, pdu: spec.racks.length * 2, crac: spec.cracs.length, sensor: spec.racks.length, meter: spec.meters.length },
      endpoints: endpointsByKind,
      activeFaults: model.faults.list().length,
      facility: model.state().facility,
    });
  });

  // Registered before /truth/:device so `facility` is never looked up as a device id.
  app.get('/sim/v1/truth/facility', (c) => c.json({ device: 'facility', kind: 'facility', ts: isoTime(), values: model.state().facility }));

  app.get('/sim/v1/truth/:device', (c) => {
    const deviceId = c.req.param('device');
    const values = model.truth(deviceId);
    if (!values) return sendError(c, 404, 'not_found', `no simulated device '${deviceId}'`, 'device');
    return c.json({ device: deviceId, kind: model.deviceKind(deviceId), ts: isoTime(), values });
  });

  app.get('/sim/v1/faults', (c) => c.json({ items: model.faults.list() }));

  app.get('/sim/v1/faults/:id', (c) => {
    const fault = model.faults.get(c.req.param('id'));
    if (!fault) return sendError(c, 404, 'not_found', `no active fault '${c.req.param('id')}'`, 'id');
    return c.json(fault);
  });

  app.post('/sim/v1/faults', async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return sendError(c, 400, 'invalid_json', 'request body must be a JSON object {kind, target, params?}');
    }
    const parsed = faultRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue.path.map(String).join('.') || 'body';
      return sendError(c, 400, 'invalid_request', `${field}: ${issue.message}`, field);
    }
    try {
      const fault = model.faults.inject(parsed.data);
      c.header('Location', `/sim/v1/faults/${fault.id}`);
      return c.json(fault, 201);
    } catch (err) {
      if (err instanceof FaultError) return sendError(c, err.code === 'unknown_target' ? 404 : 400, err.code, err.message, err.field);
      throw err;
    }
  });

  app.delete('/sim/v1/faults/:id', (c) => {
    const id = c.req.param('id');
    try {
      model.faults.clear(id);
    } catch (err) {
      if (err instanceof FaultError) return sendError(c, 404, err.code, err.message, 'id');
      throw err;
    }
    return c.body(null, 204);
  });

  app.notFound((c) => sendError(c, 404, 'not_found', `no route ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => sendError(c, 500, 'internal', err.message));
  return app;
}
