/**
 * A UPS network management card speaking Modbus TCP with the APC Smart-UPS holding-register map
 * (apc-modbus-map.ts). Each request reads one consistent snapshot of the current tick's state.
 *
 * Communication faults: device_silent (TCP accepted, requests never answered), device_slow {delayMs}
 * (answers after the delay), modbus_exception {code} (every request answered with that exception).
 * Unit id: only `unitId` is answered (requests for other unit ids get no answer: the client times out);
 * unitId 0 or 255 answers every unit id. Only FC03 is implemented: FC04 gets exception 1 (illegal
 * function), writes exception 2 (illegal data address).
 */
import { faultBehaviour, ModbusException, ModbusExceptionCode, startModbusTcpServer, type ModbusUnit } from '../../protocols/modbus/modbus-server.ts';
import { advertisedHost, type SimContext, type SimEndpoint, type UpsState } from '../../site/types.ts';
import { APC_TRANSFER_REASON, encodeApcRegisters, isMappedAddress, transferReasonFor } from './apc-modbus-map.ts';
import { defaultUpsIdentity, upsIdentitySource, type UpsIdentity } from './ups-identity.ts';

export interface UpsModbusOptions {
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Modbus unit id (APC default 1). */
  unitId?: number;
  identity?: Partial<UpsIdentity>;
}

export interface UpsModbusServer {
  host: string;
  port: number;
  unitId: number;
  endpoint: SimEndpoint;
  identity: UpsIdentity;
  /** The register words currently served (address → word), for tests and ground truth. */
  registers(): Map<number, number>;
  close(): Promise<void>;
}

export async function startUpsModbus(ctx: SimContext, upsId: string, opts: UpsModbusOptions): Promise<UpsModbusServer> {
  const first = ctx.state().ups.get(upsId);
  if (!first) throw new Error(`startUpsModbus: the site has no UPS ${upsId}`);
  const identity = defaultUpsIdentity(upsId, first.ratedVA, opts.identity);
  const unitId = opts.unitId ?? 1;

  // The nameplate, or a swapped unit's while identity_changed lasts (injecting a fault makes a new state).
  const reported = upsIdentitySource(ctx, upsId, identity);
  let lastState: UpsState = first;
  let transferReason: number = APC_TRANSFER_REASON.SystemInitialization;
  let words = encodeApcRegisters({ ups: first, upsId, identity: reported(), transferReason });
  const sync = () => {
    const ups = ctx.state().ups.get(upsId);
    if (!ups || ups === lastState) return;
    transferReason = transferReasonFor(lastState, ups, transferReason);
    lastState = ups;
    words = encodeApcRegisters({ ups, upsId, identity: reported(), transferReason });
  };
  // Track source changes tick by tick so the transfer reason is right even between polls.
  const unsubscribe = ctx.onTick(() => sync());

  const unit: ModbusUnit = {
    readRegisters(table, address, count) {
      if (table !== 'holding') throw new ModbusException(ModbusExceptionCode.illegalFunction);
      sync();
      const out: number[] = [];
      for (let a = address; a < address + count; a++) {
        if (!isMappedAddress(a)) throw new ModbusException(ModbusExceptionCode.illegalDataAddress, `register ${a} is not mapped`);
        out.push(words.get(a) ?? 0);
      }
      return out;
    },
    writeRegisters() {
      throw new ModbusException(ModbusExceptionCode.illegalDataAddress);
    },
    commBehaviour: faultBehaviour(ctx.faults, upsId),
  };
  const answersAll = unitId === 0 || unitId === 255;
  const server = await startModbusTcpServer({
    host: opts.host,
    port: opts.port,
    unit: (id) => (answersAll || id === unitId ? unit : undefined),
  });

  const endpoint: SimEndpoint = {
    id: upsId,
    kind: 'ups',
    protocol: 'modbus',
    host: advertisedHost(opts.host),
    port: server.port,
    profile: 'apc-ups-modbus',
    vendor: identity.manufacturer,
    model: identity.model,
    modbus: { unitId, wordOrder: 'ABCD' },
  };

  return {
    host: opts.host,
    port: server.port,
    unitId,
    endpoint,
    identity,
    registers: () => { sync(); return new Map(words); },
    close: async () => { unsubscribe(); await server.close(); },
  };
}
