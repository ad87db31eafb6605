/**
 * An embedded MQTT broker (aedes, in-memory) for the demo and tests when no MQTT_URL is given. It binds
 * its own port (0 = a free one), so it works while 1883 is taken by a system Mosquitto.
 *
 * In-memory persistence: retained messages and sessions are lost when it stops, which is fine for a demo
 * whose simulated devices republish their retained availability on connect.
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import { PortInUseError } from '../snmp/agent.ts';

export interface EmbeddedBrokerOptions {
  host?: string;
  /** 0 = a free port. */
  port?: number;
}

export interface EmbeddedBroker {
  /** e.g. `mqtt://127.0.0.1:41883` */
  url: string;
  host: string;
  port: number;
  /** Currently connected clients (for measurements). */
  connectedClients(): number;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  // drainTimeout: one stalled subscriber must not block delivery to everyone else (aedes PR #1060).
  const broker = await Aedes.createBroker({ drainTimeout: 5000 });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        reject(err.code === 'EADDRINUSE' ? new PortInUseError(opts.port ?? 0, 'tcp', err) : err);
      };
      server.once('error', onError);
      server.listen({ host, port: opts.port ?? 0 }, () => {
        server.off('error', onError);
        resolve();
      });
    });
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw err;
  }
  const port = (server.address() as net.AddressInfo).port;
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `mqtt://${urlHost}:${port}`,
    host,
    port,
    connectedClients: () => broker.connectedClients,
    close() {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await serverClosed;
      })();
      return closing;
    },
  };
}
