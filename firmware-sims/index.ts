/**
 * Kiban firmware simulators: simulated data-center devices on loopback, speaking the same protocols and
 * MIBs as the real hardware, plus a control API for discovery and ground truth.
 */
import { startControlServer, createControlApp, type ControlServer } from './control/server.ts';
import { startUpsAgent, type UpsAgent } from './devices/ups/snmp-agent.ts';
import { SimulatedUps, type UpsTruthValues } from './devices/ups/ups.ts';
import { deriveSeed } from './physics/prng.ts';

export { PortInUseError } from './protocols/snmp/agent.ts';
export type { UpsTruthValues } from './devices/ups/ups.ts';

export interface SimDevice {
  id: string;
  kind: 'ups';
  protocol: 'snmp';
  host: string;
  port: number;
  snmp: { version: '2c'; community: string };
  /** Collector profile that decodes this device, e.g. `rfc1628-ups`. */
  profile: string;
  vendor: string;
  model: string;
}

export interface SimTruth {
  device: string;
  /** Time of the physics tick the values belong to (ISO 8601). */
  ts: string;
  values: UpsTruthValues;
}

export interface SimHandle {
  devices: SimDevice[];
  /** Base URL of the control API, e.g. `http://127.0.0.1:8090` (routes live under `/sim/v1`). */
  controlUrl: string;
  controlPort: number;
  stop(): Promise<void>;
  truth(deviceId: string): SimTruth | undefined;
}

export interface SimOptions {
  /** Loopback by default: simulators must never be reachable from the network by accident. */
  host?: string;
  /** HTTP control API port; 0 = a free port. */
  controlPort?: number;
  /** UDP port of the first SNMP device; 0 = a free port. */
  snmpPort?: number;
  community?: string;
  seed?: number;
  /** How often physics advances; SNMP values are constant between ticks. */
  tickMs?: number;
  /** Rated output power of the UPS in W. */
  ratedW?: number;
  /** Injectable wall clock for deterministic tests. */
  clock?: () => number;
}

export const SIM_DEFAULTS = { host: '127.0.0.1', community: 'public', seed: 1628, tickMs: 2000, ratedW: 8000 } as const;

interface RunningUps {
  ups: SimulatedUps;
  agent: UpsAgent;
  device: SimDevice;
}

export async function startSim(opts: SimOptions = {}): Promise<SimHandle> {
  const host = opts.host ?? SIM_DEFAULTS.host;
  const community = opts.community ?? SIM_DEFAULTS.community;
  const seed = opts.seed ?? SIM_DEFAULTS.seed;
  const tickMs = opts.tickMs ?? SIM_DEFAULTS.tickMs;
  const ratedW = opts.ratedW ?? SIM_DEFAULTS.ratedW;
  const clock = opts.clock ?? Date.now;
  if (!(tickMs > 0)) throw new Error(`tickMs must be > 0, got ${tickMs}`);
  if (!(ratedW > 0)) throw new Error(`ratedW must be > 0, got ${ratedW}`);
  const startedAtMs = clock();
  // A device listening on the wildcard address is reached through loopback.
  const advertisedHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;

  const running: RunningUps[] = [];
  let control: ControlServer | undefined;
  try {
    const id = 'ups-1';
    const ups = new SimulatedUps({ id, seed: deriveSeed(seed, id), ratedOutputW: ratedW }, startedAtMs);
    const agent = await startUpsAgent(ups, { host, port: opts.snmpPort ?? 0, community, startedAtMs, clock });
    running.push({
      ups,
      agent,
      device: {
        id,
        kind: 'ups',
        protocol: 'snmp',
        host: advertisedHost,
        port: agent.port,
        snmp: { version: '2c', community },
        profile: 'rfc1628-ups',
        vendor: ups.identity.manufacturer,
        model: ups.identity.model,
      },
    });

    const truth = (deviceId: string): SimTruth | undefined => {
      const entry = running.find((r) => r.device.id === deviceId);
      if (!entry) return undefined;
      return { device: deviceId, ts: new Date(entry.ups.valuesAtMs).toISOString(), values: entry.ups.truth() };
    };
    const app = createControlApp({
      devices: () => running.map((r) => ({ ...r.device, snmp: { ...r.device.snmp } })),
      truth: (deviceId) => {
        const t = truth(deviceId);
        return t && { ...t, values: { ...t.values } };
      },
    });
    control = await startControlServer(app, host, opts.controlPort ?? 0);

    const physics = setInterval(() => {
      const now = clock();
      for (const r of running) {
        r.ups.advance(now);
        r.agent.publish();
      }
    }, tickMs);
    physics.unref();

    let stopped: Promise<void> | undefined;
    const controlServer = control;
    return {
      devices: running.map((r) => r.device),
      controlUrl: controlServer.url,
      controlPort: controlServer.port,
      truth,
      stop() {
        stopped ??= (async () => {
          clearInterval(physics);
          await Promise.all([controlServer.close(), ...running.map((r) => r.agent.close())]);
        })();
        return stopped;
      },
    };
  } catch (err) {
    await Promise.allSettled([control?.close(), ...running.map((r) => r.agent.close())]);
    throw err;
  }
}
