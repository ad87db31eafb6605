/**
 * Kiban firmware simulators: a whole simulated data center on loopback. One physics model (the site:
 * racks, PDUs, UPSes, cooling, meters, sensors) drives protocol adapters that speak the real vendors'
 * MIBs, register maps and topics; a control API lists the devices, exposes ground truth and injects faults.
 */
import { startControlServer, type ControlServer } from './control/server.ts';
import { createSimControlApp } from './control/sim-app.ts';
import { startCracs } from './devices/crac/crac-modbus.ts';
import { startMeters } from './devices/meter/meter-modbus.ts';
import { startPduFleet } from './devices/pdu/fleet.ts';
import { startRackSensors } from './devices/sensor/rack-sensors.ts';
import { startUpsModbus } from './devices/ups/ups-modbus.ts';
import { startUpsSnmp } from './devices/ups/ups-snmp.ts';
import { SiteModel, simContextFor } from './physics/site-model.ts';
import { startEmbeddedBroker } from './protocols/mqtt/broker.ts';
import type { TrapReceiver } from './protocols/snmp/notifier.ts';
import { defaultDemoSite, generateSite, loadSiteFile } from './site/spec.ts';
import type { SimEndpoint, SiteSpec } from './site/types.ts';

export { PortInUseError } from './protocols/snmp/agent.ts';
export type { RackSpec, SimEndpoint, SiteSpec } from './site/types.ts';
/** Which servers a simulated rack holds, on which outlets: the rule the physics uses (for CMDB generators). */
export { rackServerLayout, serverName, WATTS_PER_SERVER, type RackServerLayout } from './site/rack-layout.ts';
/** A device as listed by GET /sim/v1/devices. */
export type SimDevice = SimEndpoint;

export interface SimTruth { device: string; kind: string; ts: string; values: Record<string, any> }

export interface SimOptions {
  /** Loopback by default: simulators must never be reachable from the network by accident. */
  host?: string;
  /** HTTP control API port; 0 = a free port. */
  controlPort?: number;
  /** UDP port of the first UPS's SNMP agent; 0 = a free port (others always get free ports). */
  snmpPort?: number;
  /** First UDP port of the PDU fleet (PDU n at basePort + n); 0 = free ports. */
  pduBasePort?: number;
  community?: string;
  /** SNMPv3 authPriv (SHA/AES-128) user of every UPS agent. */
  v3User?: { user: string; authKey: string; privKey: string };
  /** Receivers of UPS notifications: v2c traps by default; per receiver `notify: 'inform'` and/or `version: '3'`
   * (authPriv as the agent's v3 user). */
  trapReceivers?: TrapReceiver[];
  /** Seed of the physics; default: the site file's seed, else 1628. Same seed, same site and readings. */
  seed?: number;
  /** Wall-clock interval between physics ticks; values are constant between ticks. */
  tickMs?: number;
  /** Simulated seconds per wall-clock second (e.g. 60 builds an hour of history per minute). */
  speed?: number;
  /** The site: explicit, from a file, generated with N racks, or the small demo site. */
  site?: SiteSpec;
  siteFile?: string;
  racks?: number;
  /** MQTT broker for the rack sensors; unset = an embedded broker on a free port. */
  mqttUrl?: string;
  sensorPublishIntervalMs?: number;
  /** Topic prefix segment for the site (unique per test run on a shared broker). */
  mqttSite?: string;
  /** Injectable wall clock for deterministic tests. */
  clock?: () => number;
}

export const SIM_DEFAULTS = {
  host: '127.0.0.1', community: 'public', seed: 1628, tickMs: 2000, speed: 1, sensorPublishIntervalMs: 10_000,
  v3User: { user: 'kiban', authKey: 'kiban-auth-key', privKey: 'kiban-priv-key' },
} as const;

export interface SimHandle {
  devices: SimEndpoint[];
  /** Base URL of the control API, e.g. `http://127.0.0.1:8090` (routes live under `/sim/v1`). */
  controlUrl: string;
  controlPort: number;
  mqttUrl: string;
  spec: SiteSpec;
  model: SiteModel;
  truth(deviceId: string): SimTruth | undefined;
  stop(): Promise<void>;
}

async function siteFrom(opts: SimOptions, seed: number): Promise<SiteSpec> {
  if (opts.site) return opts.site;
  if (opts.siteFile) return loadSiteFile(opts.siteFile);
  if (opts.racks !== undefined) return generateSite({ racks: opts.racks, seed });
  return defaultDemoSite(seed);
}

export async function startSim(opts: SimOptions = {}): Promise<SimHandle> {
  const host = opts.host ?? SIM_DEFAULTS.host;
  const community = opts.community ?? SIM_DEFAULTS.community;
  const seed = opts.seed ?? SIM_DEFAULTS.seed;
  const tickMs = opts.tickMs ?? SIM_DEFAULTS.tickMs;
  const speed = opts.speed ?? SIM_DEFAULTS.speed;
  const clock = opts.clock ?? Date.now;
  if (!(tickMs > 0)) throw new Error(`tickMs must be > 0, got ${tickMs}`);
  if (!(speed > 0)) throw new Error(`speed must be > 0, got ${speed}`);

  const spec = await siteFrom(opts, seed);
  // A site file carries its own seed; --seed overrides it.
  const modelSeed = opts.seed ?? (opts.site || opts.siteFile ? spec.seed : seed);
  const startedAtMs = clock();
  const model = new SiteModel(spec, { seed: modelSeed, startSimTimeMs: startedAtMs });
  const ctx = simContextFor(model, startedAtMs);
  const closers: Array<() => Promise<void>> = [];
  const endpoints: SimEndpoint[] = [];
  let control: ControlServer | undefined;
  let physics: NodeJS.Timeout | undefined;
  const stopAll = async () => {
    if (physics) clearInterval(physics);
    // One after another, in reverse start order: the rack sensors must publish "offline" and disconnect
    // while the embedded broker is still up. Closing everything at once closed the broker under them, their
    // MQTT callbacks never fired and, with nothing else holding the event loop, `kiban sim` died on
    // SIGTERM with exit 13 (unsettled top-level await) instead of 0.
    for (const close of closers.reverse()) await Promise.resolve().then(close).catch(() => undefined);
    closers.length = 0;
  };

  try {
    const upsIds = spec.ups.map((u) => u.id);
    for (const [i, upsId] of upsIds.entries()) {
      const snmpAgent = await startUpsSnmp(ctx, upsId, {
        host, port: i === 0 ? opts.snmpPort ?? 0 : 0, community, v3User: opts.v3User ?? SIM_DEFAULTS.v3User,
        trapReceivers: opts.trapReceivers,
      });
      closers.push(() => snmpAgent.close());
      endpoints.push(snmpAgent.endpoint);
    }
    for (const upsId of upsIds) {
      const modbus = await startUpsModbus(ctx, upsId, { host, port: 0 });
      closers.push(() => modbus.close());
      endpoints.push({ ...modbus.endpoint, id: `${upsId}-modbus` });
    }
    const pdus = await startPduFleet(ctx, {
      host, community, basePort: opts.pduBasePort, v3User: opts.v3User ?? SIM_DEFAULTS.v3User,
      onSwitch: (pduId, outlet, on) => model.setOutletPower(pduId, outlet, on),
    });
    closers.push(() => pdus.close());
    for (const p of pdus.endpoints) {
      endpoints.push({
        id: p.pduId, kind: 'pdu', protocol: 'snmp', host: p.host, port: p.port, profile: p.profile,
        vendor: p.vendor === 'raritan' ? 'Raritan' : 'Server Technology', model: p.model, rackId: p.rackId,
        snmp: { version: '2c', community: p.snmp.community, writeCommunity: p.snmp.writeCommunity, ...(p.snmp.v3 ? { v3: { user: p.snmp.v3.user, authProtocol: 'sha', authKey: p.snmp.v3.authKey, privProtocol: 'aes', privKey: p.snmp.v3.privKey } } : {}) },
      });
    }
    const cracs = await startCracs(ctx, { host, onCommand: (id, command) => model.commandCrac(id, command) });
    closers.push(() => cracs.close());
    endpoints.push(...cracs.endpoints);
    const meters = await startMeters(ctx, { host });
    closers.push(() => meters.close());
    endpoints.push(...meters.endpoints);

    let mqttUrl = opts.mqttUrl;
    if (!mqttUrl) {
      const broker = await startEmbeddedBroker({ host, port: 0 });
      closers.push(() => broker.close());
      mqttUrl = broker.url;
    }
    const sensors = await startRackSensors(ctx, {
      brokerUrl: mqttUrl, site: opts.mqttSite ?? spec.name,
      publishIntervalMs: opts.sensorPublishIntervalMs ?? SIM_DEFAULTS.sensorPublishIntervalMs,
      sensorMode: (rackId) => (model.faults.sensorMode(rackId) === 'silent' ? 'silent' : 'normal'),
    });
    closers.push(() => sensors.close());
    endpoints.push(...sensors.endpoints);

    control = await startControlServer(createSimControlApp({ endpoints: () => endpoints, model }), host, opts.controlPort ?? 0);
    const controlServer = control;
    closers.unshift(() => controlServer.close());

    // Simulated time runs `speed` times faster than the wall clock, from the moment the simulator started.
    physics = setInterval(() => model.advance(startedAtMs + (clock() - startedAtMs) * speed), tickMs);
    physics.unref();

    const truth = (deviceId: string): SimTruth | undefined => {
      const values = model.truth(deviceId) as Record<string, any> | undefined;
      if (!values) return undefined;
      return { device: deviceId, kind: model.deviceKind(deviceId) ?? 'unknown', ts: new Date(model.state().simTimeMs).toISOString(), values };
    };
    let stopped: Promise<void> | undefined;
    return {
      devices: endpoints, controlUrl: controlServer.url, controlPort: controlServer.port, mqttUrl, spec, model, truth,
      stop: () => (stopped ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
