/**
 * Energy meters (utility, generator, PV) and the water meter on Modbus TCP (maps in meter-map.ts).
 *
 * Two layouts:
 * - `per-device` (default): every meter listens on its own TCP port and answers unit id 1 (and 0/255),
 *   like meters with their own Ethernet interface.
 * - `gateway`: all meters share one TCP port behind a simulated Modbus TCP→RTU gateway, with unit ids
 *   1, 2, 3… in site-file order, like RS-485 DIN-rail meters on one bus. As real gateways do, an unknown
 *   unit id gets exception 0x0A and a silent meter gets exception 0x0B after `gatewayTimeoutMs`; requests
 *   on the shared bus are answered one at a time.
 */
import { advertisedHost, type MeterState, type SimContext, type SimEndpoint } from '../../site/types.ts';
import { faultBehaviour, ownUnitIds, startModbusTcpServer, startModbusTcpServers } from '../../protocols/modbus/modbus-server.ts';
import { RegisterBank } from '../../protocols/modbus/register-map.ts';
import { meterRegisterDefs } from './meter-map.ts';

export interface StartMetersOptions {
  host: string;
  /** per-device: port of the first meter, the next on the following ports; gateway: the gateway port. 0/omitted = free. */
  basePort?: number;
  layout?: 'per-device' | 'gateway';
  /** How long the simulated gateway waits for a silent meter before answering exception 0x0B (default 1000 ms). */
  gatewayTimeoutMs?: number;
}

export interface RunningMeters {
  endpoints: SimEndpoint[];
  close(): Promise<void>;
}

export async function startMeters(ctx: SimContext, opts: StartMetersOptions): Promise<RunningMeters> {
  const layout = opts.layout ?? 'per-device';
  const units = ctx.spec.meters.map((spec) => {
    const bank = new RegisterBank<MeterState>(meterRegisterDefs(spec.kind, spec.wordOrder), spec.wordOrder, () => ctx.state().meters.get(spec.id));
    return { spec, unit: bank.asUnit(faultBehaviour(ctx.faults, spec.id)) };
  });
  const endpoint = (spec: (typeof units)[number]['spec'], port: number, unitId: number): SimEndpoint => ({
    id: spec.id,
    kind: 'meter',
    protocol: 'modbus',
    host: advertisedHost(opts.host),
    port,
    profile: spec.kind === 'water' ? 'kiban-water-meter' : 'kiban-energy-meter',
    vendor: 'Kiban',
    model: spec.kind === 'water' ? 'Simulated Modbus water meter' : `Simulated DIN-rail energy meter (${spec.kind})`,
    modbus: { unitId, wordOrder: spec.wordOrder },
  });

  const endpoints: SimEndpoint[] = [];
  const close = await startModbusTcpServers(async (servers) => {
    if (layout === 'gateway') {
      const byUnitId = new Map(units.map((u, i) => [i + 1, u.unit]));
      const server = await startModbusTcpServer({
        host: opts.host,
        port: opts.basePort ?? 0,
        unit: (id) => byUnitId.get(id),
        gateway: { targetTimeoutMs: opts.gatewayTimeoutMs ?? 1000 },
      });
      servers.push(server);
      units.forEach((u, i) => endpoints.push(endpoint(u.spec, server.port, i + 1)));
    } else {
      for (const [i, u] of units.entries()) {
        const server = await startModbusTcpServer({
          host: opts.host,
          port: opts.basePort ? opts.basePort + i : 0,
          unit: ownUnitIds(1, u.unit),
        });
        servers.push(server);
        endpoints.push(endpoint(u.spec, server.port, 1));
      }
    }
  });
  return { endpoints, close };
}
