/**
 * CRAC/CRAH units on Modbus TCP with the Liebert iCOM-style map (icom-map.ts). Each unit listens on its
 * own TCP port, as each real unit has its own IntelliSlot card, and answers unit id 1 (and 0/255, which
 * Modbus TCP clients use for "the device at this IP"); other unit ids get no answer.
 */
import { advertisedHost, type SimContext, type SimEndpoint } from '../../site/types.ts';
import { faultBehaviour, ownUnitIds, startModbusTcpServer, startModbusTcpServers } from '../../protocols/modbus/modbus-server.ts';
import { RegisterBank } from '../../protocols/modbus/register-map.ts';
import { ICOM_DEFAULTS, icomRegisterDefs, type CracCommand, type IcomSettings } from './icom-map.ts';

export interface StartCracsOptions {
  host: string;
  /** Port of the first unit, the next units on the following ports; omitted or 0 = free ports. */
  basePort?: number;
  /** Modbus unit id each unit answers (default 1). */
  unitId?: number;
  /** Receives On/Off (40426), Acknowledge/Reset (40427) and set point (40263) writes. */
  onCommand?: (cracId: string, command: CracCommand) => void;
}

export interface RunningCracs {
  endpoints: SimEndpoint[];
  close(): Promise<void>;
}

export async function startCracs(ctx: SimContext, opts: StartCracsOptions): Promise<RunningCracs> {
  const unitId = opts.unitId ?? 1;
  const endpoints: SimEndpoint[] = [];
  const close = await startModbusTcpServers(async (servers) => {
    for (const [i, spec] of ctx.spec.cracs.entries()) {
      const settings: IcomSettings = { returnAirSetpointC: ICOM_DEFAULTS.returnAirSetpointC };
      const defs = icomRegisterDefs(settings, (cmd) => opts.onCommand?.(spec.id, cmd));
      const bank = new RegisterBank(defs, 'ABCD', () => ctx.state().cracs.get(spec.id));
      const server = await startModbusTcpServer({
        host: opts.host,
        port: opts.basePort ? opts.basePort + i : 0,
        unit: ownUnitIds(unitId, bank.asUnit(faultBehaviour(ctx.faults, spec.id))),
      });
      servers.push(server);
      endpoints.push({
        id: spec.id,
        kind: 'crac',
        protocol: 'modbus',
        host: advertisedHost(opts.host),
        port: server.port,
        profile: 'liebert-icom',
        vendor: 'Vertiv (Liebert)',
        model: 'iCOM CRAC via IntelliSlot (simulated)',
        modbus: { unitId },
      });
    }
  });
  return { endpoints, close };
}
