/**
 * The HTTP server under the simulator control API (`/sim/v1`, routes in sim-app.ts).
 */
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { PortInUseError } from '../protocols/snmp/agent.ts';

export { createSimControlApp, type SimControlAppOptions } from './sim-app.ts';

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
