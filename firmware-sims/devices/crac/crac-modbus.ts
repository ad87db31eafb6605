/**
 * CRAC/CRAH units on Modbus TCP with the Liebert iCOM-style map (icom-map.ts). Each unit listens on its
 * own TCP port, as each real unit has its own IntelliSlot card, and answers unit id 1 (and 0/255, which
 * Modbus TCP clients use for "the device at this IP"); other unit ids get no answer.
 */
import type { SimContext, SimEndpoint } from '../../site/types.ts';
import { commBehaviourFromFault, startModbusTcpServer, type ModbusTcpServer, type ModbusUnit } from '../../protocols/modbus/modbus-server.ts';
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
  const servers: ModbusTcpServer[] = [];
  const endpoints: SimEndpoint[] = [];
  const advertisedHost = opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host === '::' ? '::1' : opts.host;
  try {
    for (const [i, spec] of ctx.spec.cracs.entries()) {
      const settings: IcomSettings = { returnAirSetpointC: ICOM_DEFAULTS.returnAirSetpointC };
      const defs = icomRegisterDefs(settings, (cmd) => opts.onCommand?.(spec.id, cmd));
      const bank = new RegisterBank(defs, 'ABCD', () => ctx.state().cracs.get(spec.id));
      const unit: ModbusUnit = {
        readRegisters: (table, address, count) => bank.readRegisters(table, address, count),
        writeRegisters: (address, values) => bank.writeRegisters(address, values),
        commBehaviour: () => commBehaviourFromFault(ctx.faults.forDevice(spec.id)),
      };
      const server = await startModbusTcpServer({
        host: opts.host,
        port: opts.basePort ? opts.basePort + i : 0,
        unit: (id) => (id === unitId || id === 0 || id === 255 ? unit : undefined),
      });
      servers.push(server);
      endpoints.push({
        id: spec.id,
        kind: 'crac',
        protocol: 'modbus',
        host: advertisedHost,
        port: server.port,
        profile: 'liebert-icom',
        vendor: 'Vertiv (Liebert)',
        model: 'iCOM CRAC via IntelliSlot (simulated)',
        modbus: { unitId },
      });
    }
  } catch (err) {
    await Promise.allSettled(servers.map((s) => s.close()));
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    endpoints,
    close() {
      closing ??= Promise.all(servers.map((s) => s.close())).then(() => undefined);
      return closing;
    },
  };
}
