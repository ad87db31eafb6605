/**
 * Serves every rack PDU of the simulated site over SNMP v1/v2c and, with a `v3User`, SNMPv3 USM
 * (authPriv, HMAC-SHA-96 / AES-128-CFB), one UDP port per PDU, from one process. Each PDU is its own
 * SNMP engine: engine id 0x80000000+enterprise, format 4, text = PDU id (pduEngineId), boots 1, time =
 * seconds since the fleet started. Localized keys are derived on a PDU's first v3 request (see usm.ts).
 *
 * Why not one net-snmp `createAgent` per PDU: net-snmp keeps a node object per MIB cell and values are
 * pushed cell by cell. Measured on this 2-core machine (measure-net-snmp-agents.ts): 1,000 agents with
 * only the outlet measurement table (672 cells each) took 2.3 s and 416 MB RSS (0.33 MB per agent); the
 * full PDU2-MIB map served here has about 2,000 cells per PDU, so 4,000 PDUs would need roughly 4 GB and
 * 8 million cell writes per physics tick. snmp-lite instead shares one MIB template per model and
 * computes values from the current PduState when a request arrives.
 */
import { startLiteAgent, type LiteAgent, type LiteDevice, type LiteFault } from '../../protocols/snmp-lite/agent.ts';
import { parseOid, type MibTemplate } from '../../protocols/snmp-lite/mib.ts';
import { engineIdFor, UsmUserTable, type UsmCounters } from '../../protocols/snmp-lite/usm.ts';
import { advertisedHost, type IdentityOverride, type PduState, type PduVendor, type SimContext } from '../../site/types.ts';
import { OutletSwitchBook, serialFor, type OutletSwitchHandler, type PduIdentity, type PduRuntime, type PduSnapshot } from './pdu-runtime.ts';
import { buildRaritanTemplate, RARITAN_ENTERPRISE, RARITAN_OID_TABLE } from './raritan-px2.ts';
import { buildSentry4Template, SENTRY4_ENTERPRISE, SENTRY4_OID_TABLE } from './sentry4.ts';
import { oidTableMarkdown, type VendorOidTable } from './oid-table.ts';

export interface PduFleetOptions {
  /** Address every PDU listens on (one IP, many ports). */
  host: string;
  /** First UDP port; PDU n gets basePort + n in site order. 0 or absent = a free port per PDU. */
  basePort?: number;
  /** Read community (v1/v2c). Requests with another community get no answer. */
  community: string;
  /** Community that may SET outlet switching; default `private` (the vendors' factory default). */
  writeCommunity?: string;
  /** Called when an outlet is switched over SNMP; the integrator applies it to the physics model. */
  onSwitch?: OutletSwitchHandler;
  /** Off period of a power cycle (switchingOperation cycle(2) / st4OutletControlAction reboot(3)). Default 10 s. */
  powerCycleOffMs?: number;
  /** Bind this many sockets at once while starting. Default 256. */
  bindConcurrency?: number;
  /**
   * SNMPv3 user of every PDU: authPriv only (SHA/AES-128; lower levels get a usmStatsUnsupportedSecLevels
   * report), read-write like the write community. Keys ≥ 8 characters. Absent = v1/v2c only.
   */
  v3User?: { user: string; authKey: string; privKey: string };
}

export interface PduEndpoint {
  pduId: string;
  rackId: string;
  vendor: PduVendor;
  host: string;
  port: number;
  /** Collector profile id for this PDU family. */
  profile: string;
  model: string;
  snmp: {
    version: '2c';
    community: string;
    writeCommunity: string;
    v3?: { user: string; authProtocol: 'sha'; authKey: string; privProtocol: 'aes'; privKey: string; engineId: string };
  };
}

export interface PduFleet {
  endpoints: PduEndpoint[];
  /** SNMPv3 usmStats* (and related) counters of one PDU's engine; undefined without v3 or for an unknown PDU. */
  usmCounters(pduId: string): UsmCounters | undefined;
  close(): Promise<void>;
}

export const PDU_PROFILES: Record<PduVendor, { profile: string; manufacturer: string; model: string; firmwareVersion: string }> = {
  raritan: { profile: 'raritan-px2', manufacturer: 'Raritan', model: 'PX3-5493V', firmwareVersion: '4.0.20.5-48248' },
  sentry4: { profile: 'servertech-sentry4', manufacturer: 'Server Technology', model: 'C2WG24TE-DQME2M66/C', firmwareVersion: '8.0p' },
};

/** OID maps of both PDU families, for docs/simulators.md and collector profile authors. */
export const pduSnmpOidTables: Record<PduVendor, VendorOidTable> = {
  raritan: RARITAN_OID_TABLE,
  sentry4: SENTRY4_OID_TABLE,
};

export function pduSnmpOidTablesMarkdown(): string {
  return Object.values(pduSnmpOidTables).map(oidTableMarkdown).join('\n');
}

const templates = new Map<string, MibTemplate<PduSnapshot>>();

/** One template per (vendor, outlet count), shared by every PDU of that shape. */
export function pduTemplate(vendor: PduVendor, outletCount: number): MibTemplate<PduSnapshot> {
  const key = `${vendor}:${outletCount}`;
  let template = templates.get(key);
  if (!template) {
    template = vendor === 'raritan' ? buildRaritanTemplate(outletCount) : buildSentry4Template(outletCount);
    templates.set(key, template);
  }
  return template;
}

const ENTERPRISE_NUMBER: Record<PduVendor, number> = {
  // 1.3.6.1.4.1.<enterprise>.…
  raritan: parseOid(RARITAN_ENTERPRISE)[6],
  sentry4: parseOid(SENTRY4_ENTERPRISE)[6],
};

/** snmpEngineID of a PDU (RFC 3411 format 4: the vendor's enterprise number, then the PDU id as text). */
export function pduEngineId(vendor: PduVendor, pduId: string): Buffer {
  return engineIdFor(ENTERPRISE_NUMBER[vendor], pduId);
}

const ENTERPRISE_PREFIX: Record<PduVendor, number[]> = {
  raritan: parseOid(RARITAN_ENTERPRISE),
  sentry4: parseOid(SENTRY4_ENTERPRISE),
};

/** PDU ids in site order (rack by rack, feed A then B), then any the state has that the spec lacks. */
function pduIdsInSiteOrder(ctx: SimContext): string[] {
  const pdus = ctx.state().pdus;
  const ordered: string[] = [];
  const seen = new Set<string>();
  for (const rack of ctx.spec.racks) {
    for (const id of [`${rack.id}-pdu-a`, `${rack.id}-pdu-b`]) {
      if (pdus.has(id) && !seen.has(id)) {
        ordered.push(id);
        seen.add(id);
      }
    }
  }
  for (const id of pdus.keys()) if (!seen.has(id)) ordered.push(id);
  return ordered;
}

function identityFor(pdu: PduState): PduIdentity {
  const profile = PDU_PROFILES[pdu.vendor];
  return {
    pduId: pdu.id,
    vendor: pdu.vendor,
    manufacturer: profile.manufacturer,
    model: profile.model,
    serialNumber: serialFor(pdu.vendor === 'raritan' ? 'QFC' : 'ABEF', pdu.id, 7),
    firmwareVersion: profile.firmwareVersion,
    rackId: pdu.rackId,
    feed: pdu.feed,
  };
}

/** The runtime as one request sees it: a swapped unit's serial/model/firmware while identity_changed lasts. */
function reportedRuntime(runtime: PduRuntime, override: IdentityOverride | undefined): PduRuntime {
  if (!override) return runtime;
  const { serial, model, firmware } = override;
  return {
    ...runtime,
    identity: {
      ...runtime.identity,
      ...(serial !== undefined ? { serialNumber: serial } : {}),
      ...(model !== undefined ? { model } : {}),
      ...(firmware !== undefined ? { firmwareVersion: firmware } : {}),
    },
  };
}

/** Maps the simulator's communication faults to snmp-lite behaviour. */
function liteFault(ctx: SimContext, pduId: string, vendor: PduVendor): LiteFault | undefined {
  const fault = ctx.faults.forDevice(pduId);
  if (!fault) return undefined;
  switch (fault.kind) {
    case 'device_silent': return { kind: 'silent' };
    case 'device_slow': {
      const delayMs = Number(fault.params.delayMs ?? 3000);
      return { kind: 'slow', delayMs: Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 3000 };
    }
    case 'snmp_no_such_instance': {
      // params.oid narrows the fault to one subtree; by default the vendor subtree vanishes while the
      // MIB-II system group still answers, as when a PDU's measurement subagent is down.
      const oid = typeof fault.params.oid === 'string' ? parseOid(fault.params.oid) : ENTERPRISE_PREFIX[vendor];
      return { kind: 'noSuchInstance', prefix: oid };
    }
    default:
      return undefined;
  }
}

export async function startPduFleet(ctx: SimContext, opts: PduFleetOptions): Promise<PduFleet> {
  const writeCommunity = opts.writeCommunity ?? 'private';
  const cycleOffMs = opts.powerCycleOffMs ?? 10_000;
  const basePort = opts.basePort ?? 0;
  const concurrency = Math.max(1, opts.bindConcurrency ?? 256);
  const ids = pduIdsInSiteOrder(ctx);
  // One table for the whole fleet: the engine-independent half of key localization is done once.
  const v3Users = opts.v3User ? new UsmUserTable([{ ...opts.v3User, minLevel: 'authPriv', access: 'readWrite' }]) : undefined;
  // snmpEngineTime counts wall-clock seconds (USM time windows are wall-clock), whatever the sim's clock.
  const engineStartMs = Date.now();
  if (basePort > 0 && basePort + ids.length - 1 > 65535) {
    throw new RangeError(`basePort ${basePort} leaves no room for ${ids.length} PDUs (last port would be ${basePort + ids.length - 1})`);
  }
  const runtimes = new Map<string, PduRuntime>();
  const agents: LiteAgent[] = [];
  const agentById = new Map<string, LiteAgent>();
  const endpoints: PduEndpoint[] = new Array(ids.length);

  const deviceFor = (pduId: string, runtime: PduRuntime, vendor: PduVendor): LiteDevice<PduSnapshot> => ({
    snapshot() {
      const state = ctx.state();
      const pdu = state.pdus.get(pduId);
      if (!pdu) return undefined;
      return {
        pdu,
        runtime: reportedRuntime(runtime, ctx.faults.identityOf?.(pduId)),
        simTimeMs: state.simTimeMs,
        upTimeTicks: Math.floor((Date.now() - ctx.startedAtMs) / 10) % 2 ** 32,
      };
    },
    template: (snap) => pduTemplate(snap.pdu.vendor, snap.pdu.outlets.length),
    fault: () => liteFault(ctx, pduId, vendor),
  });

  const unsubscribe = ctx.onTick(() => {
    for (const runtime of runtimes.values()) runtime.switching.tick();
  });

  const close = async () => {
    unsubscribe();
    for (const runtime of runtimes.values()) runtime.switching.close();
    await Promise.all(agents.map((a) => a.close()));
  };

  try {
    for (let start = 0; start < ids.length; start += concurrency) {
      const batch = ids.slice(start, start + concurrency);
      // allSettled: on a bind failure every socket of the batch is known before closing them all.
      const results = await Promise.allSettled(batch.map(async (pduId, offset) => {
        const n = start + offset;
        const pdu = ctx.state().pdus.get(pduId)!;
        const runtime: PduRuntime = { identity: identityFor(pdu), switching: new OutletSwitchBook(pduId, opts.onSwitch, cycleOffMs) };
        runtimes.set(pduId, runtime);
        pduTemplate(pdu.vendor, pdu.outlets.length);
        const agent = await startLiteAgent(deviceFor(pduId, runtime, pdu.vendor), {
          host: opts.host,
          port: basePort > 0 ? basePort + n : 0,
          community: opts.community,
          writeCommunity,
          ...(v3Users ? { v3: { engineId: pduEngineId(pdu.vendor, pduId), users: v3Users, engineBoots: 1, engineStartMs } } : {}),
        });
        agents.push(agent);
        agentById.set(pduId, agent);
        endpoints[n] = {
          pduId,
          rackId: pdu.rackId,
          vendor: pdu.vendor,
          host: advertisedHost(opts.host),
          port: agent.port,
          profile: PDU_PROFILES[pdu.vendor].profile,
          model: runtime.identity.model,
          snmp: {
            version: '2c',
            community: opts.community,
            writeCommunity,
            ...(opts.v3User && agent.engineId
              ? { v3: { user: opts.v3User.user, authProtocol: 'sha' as const, authKey: opts.v3User.authKey, privProtocol: 'aes' as const, privKey: opts.v3User.privKey, engineId: agent.engineId.toString('hex') } }
              : {}),
          },
        };
      }));
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) throw failure.reason;
    }
  } catch (err) {
    await close();
    throw err;
  }

  return { endpoints, close, usmCounters: (pduId) => agentById.get(pduId)?.usmCounters() };
}
