/**
 * Simulator control API (`/sim/v1`) for the single-UPS simulator: device discovery and ground truth, plus
 * the HTTP server helper. The whole-site API with faults is `createSimControlApp` (sim-app.ts); this older
 * factory stays until startSim switches over.
 */
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { PortInUseError } from '../protocols/snmp/agent.ts';

export { createSimControlApp, type SimControlAppOptions } from './sim-app.ts';

export interface ControlDevice {
  id: string;
}

export interface ControlApiSource<D extends ControlDevice> {
  devices(): D[];
  truth(deviceId: string): { device: string; ts: string; values: Record<string, number> } | undefined;
}

export function createControlApp<D extends ControlDevice>(source: ControlApiSource<D>): Hono {
  const app = new Hono();
  app.get('/sim/v1/devices', (c) => c.json({ items: source.devices() }));
  app.get('/sim/v1/truth/:device', (c) => {
    const deviceId = c.req.param('device');
    const truth = source.truth(deviceId);
    if (!truth) return c.json({ error: { code: 'not_found', message: `no simulated device '${deviceId}'` } }, 404);
    return c.json(truth);
  });
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((err, c) => c.json({ error: { code: 'internal', message: err.message } }, 500));
  return app;
}

export interface ControlServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startControlServer(app: Hono, host: string, port: number): Promise<ControlServer> {
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(port, 'tcp', err) : err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    port: actualPort,
    url: `http://${urlHost}:${actualPort}`,
    close: () => new Promise<void>((resolve) => {
      // Keep-alive connections would otherwise hold close() open.
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
