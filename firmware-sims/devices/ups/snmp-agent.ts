/**
 * Serves one SimulatedUps over SNMP v2c: RFC 1628 UPS-MIB plus the MIB-II system group.
 */
import { startSnmpAgent, type ScalarDefinition, type SnmpAgentHandle } from '../../protocols/snmp/agent.ts';
import { SYSTEM_SCALARS, UPS_INPUT_TABLE, UPS_MIB, UPS_OUTPUT_TABLE, UPS_SCALARS, type UpsScalarName } from './rfc1628.ts';
import type { SimulatedUps } from './ups.ts';

export interface UpsAgentOptions {
  host: string;
  port: number;
  community: string;
  /** Wall-clock start of the agent, the zero of sysUpTime. */
  startedAtMs: number;
  clock: () => number;
}

export interface UpsAgent {
  port: number;
  /** Copy the UPS's current tick values into the MIB. */
  publish(): void;
  close(): Promise<void>;
}

export async function startUpsAgent(ups: SimulatedUps, opts: UpsAgentOptions): Promise<UpsAgent> {
  const scalars: ScalarDefinition[] = [
    ...Object.entries(SYSTEM_SCALARS).map(([name, def]) => ({ name, ...def })),
    ...Object.entries(UPS_SCALARS).map(([name, def]) => ({ name, ...def })),
  ];
  const upTime = scalars.find((s) => s.name === 'sysUpTime')!;
  upTime.dynamic = () => Math.floor((opts.clock() - opts.startedAtMs) / 10) >>> 0; // TimeTicks: 0.01 s, wraps at 2^32

  const agent: SnmpAgentHandle = await startSnmpAgent({
    host: opts.host,
    port: opts.port,
    community: opts.community,
    scalars,
    tables: [UPS_INPUT_TABLE, UPS_OUTPUT_TABLE],
  });

  agent.setScalar('sysDescr', `${ups.identity.manufacturer} ${ups.identity.model}, firmware ${ups.identity.upsSoftwareVersion} (Kiban simulator)`);
  agent.setScalar('sysObjectID', UPS_MIB);
  agent.setScalar('sysName', ups.id);

  const publish = () => {
    const snapshot = ups.mibSnapshot();
    for (const [name, value] of Object.entries(snapshot.scalars) as [UpsScalarName, number | string][]) {
      agent.setScalar(name, value);
    }
    agent.setRow(UPS_INPUT_TABLE.name, snapshot.inputLine);
    agent.setRow(UPS_OUTPUT_TABLE.name, snapshot.outputLine);
  };
  publish();

  return { port: agent.port, publish, close: () => agent.close() };
}
