/**
 * A Modbus TCP server (MBAP framing, FC03/FC04/FC06/FC16) for the simulators.
 *
 * Written on `net` rather than on modbus-serial's ServerTCP because a simulator has to control the wire
 * exactly: one consistent snapshot per request (ServerTCP asks for every register separately, so a
 * 32-bit counter could be assembled from two different values), multi-register writes validated as a
 * whole before anything is applied, answers in request order per connection even when one is delayed,
 * no answer at all for a silent device, and exception codes chosen per request.
 *
 * Addresses here are always 0-based protocol addresses (the ones on the wire). Documentation numbers
 * such as 30100/40426 are 1-based register numbers: 3xxxx → input register xxxx−1, 4xxxx → holding
 * register xxxx−1.
 */
import net from 'node:net';
import type { CommFaults } from '../../site/types.ts';
import { PortInUseError } from '../snmp/agent.ts';

export const ModbusExceptionCode = {
  illegalFunction: 0x01,
  illegalDataAddress: 0x02,
  illegalDataValue: 0x03,
  serverDeviceFailure: 0x04,
  acknowledge: 0x05,
  serverDeviceBusy: 0x06,
  gatewayPathUnavailable: 0x0a,
  gatewayTargetFailedToRespond: 0x0b,
} as const;

/** Throw from a unit handler to answer with a Modbus exception response. */
export class ModbusException extends Error {
  constructor(readonly code: number, message?: string) {
    super(message ?? `Modbus exception ${code}`);
    this.name = 'ModbusException';
  }
}

export type RegisterTable = 'input' | 'holding';

/** How the device answers this request (communication faults). */
export type CommBehaviour =
  | { kind: 'normal' }
  | { kind: 'silent' }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'exception'; code: number };

export interface ModbusUnit {
  /** 16-bit words of `table` at [address, address + count). Called synchronously: one request, one snapshot. */
  readRegisters(table: RegisterTable, address: number, count: number): number[];
  /** Write holding registers (FC06 with one value, FC16 with several); validate everything before applying. */
  writeRegisters(address: number, values: number[]): void;
  /** Consulted once per request, before it is answered. */
  commBehaviour?(): CommBehaviour;
}

export interface ModbusTcpServerOptions {
  host: string;
  /** 0 = a free port. */
  port: number;
  /** The unit (slave) addressed by a request's unit id; undefined = not here. */
  unit(unitId: number): ModbusUnit | undefined;
  /**
   * Behave as a Modbus TCP→RTU gateway: an unknown unit id gets exception 0x0A (path unavailable) and a
   * silent unit gets exception 0x0B (target failed to respond) after `targetTimeoutMs`, as real gateways
   * do, and requests from all connections are answered one at a time (one RS-485 bus behind it).
   * Without it an unknown unit id or a silent device simply gets no answer.
   */
  gateway?: { targetTimeoutMs: number };
}

export interface ModbusTcpServer {
  port: number;
  close(): Promise<void>;
}

const MBAP_HEADER_BYTES = 7;
/** FC03/FC04 may read at most 125 registers, FC16 write at most 123 (Modbus Application Protocol v1.1b3 §6). */
const MAX_READ_REGISTERS = 125;
const MAX_WRITE_REGISTERS = 123;

export async function startModbusTcpServer(opts: ModbusTcpServerOptions): Promise<ModbusTcpServer> {
  const sockets = new Set<net.Socket>();
  const pendingTimers = new Set<NodeJS.Timeout>();
  let closed = false;
  // Behind a gateway every request crosses the same serial bus.
  let busQueue: Promise<void> = Promise.resolve();

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(() => { pendingTimers.delete(t); resolve(); }, ms);
    pendingTimers.add(t);
  });

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    // Requests on one connection are answered in order, like a real (single-threaded) device.
    let queue: Promise<void> = Promise.resolve();

    socket.on('data', (chunk) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= MBAP_HEADER_BYTES) {
        const protocolId = buffered.readUInt16BE(2);
        const length = buffered.readUInt16BE(4); // unit id + PDU
        if (protocolId !== 0 || length < 2 || length > 254) {
          // Not Modbus: a real device drops the connection rather than guess where the next frame starts.
          socket.destroy();
          return;
        }
        if (buffered.length < 6 + length) break;
        const frame = buffered.subarray(0, 6 + length);
        buffered = buffered.subarray(6 + length);
        if (opts.gateway) {
          busQueue = busQueue.then(() => answer(socket, frame)).catch(() => { /* a socket error ends the connection */ });
        } else {
          queue = queue.then(() => answer(socket, frame)).catch(() => { /* a socket error ends the connection */ });
        }
      }
    });
    socket.on('error', () => { /* peer reset: nothing to do, 'close' follows */ });
    socket.on('close', () => sockets.delete(socket));
  });

  async function answer(socket: net.Socket, frame: Buffer): Promise<void> {
    const transactionId = frame.readUInt16BE(0);
    const unitId = frame.readUInt8(6);
    const pdu = frame.subarray(7);
    const functionCode = pdu.readUInt8(0);
    const send = (responsePdu: Buffer) => {
      if (closed || socket.destroyed) return;
      const header = Buffer.alloc(MBAP_HEADER_BYTES);
      header.writeUInt16BE(transactionId, 0);
      header.writeUInt16BE(0, 2);
      header.writeUInt16BE(responsePdu.length + 1, 4);
      header.writeUInt8(unitId, 6);
      socket.write(Buffer.concat([header, responsePdu]));
    };
    const exception = (code: number) => send(Buffer.from([functionCode | 0x80, code]));

    const unit = opts.unit(unitId);
    if (!unit) {
      if (opts.gateway) exception(ModbusExceptionCode.gatewayPathUnavailable);
      return;
    }
    const behaviour = unit.commBehaviour?.() ?? { kind: 'normal' };
    if (behaviour.kind === 'silent') {
      if (opts.gateway) {
        await sleep(opts.gateway.targetTimeoutMs);
        exception(ModbusExceptionCode.gatewayTargetFailedToRespond);
      }
      return; // a dead device: the request is swallowed, the connection stays up
    }
    if (behaviour.kind === 'slow') await sleep(behaviour.delayMs);
    if (behaviour.kind === 'exception') return exception(behaviour.code);

    try {
      send(execute(unit, pdu));
    } catch (err) {
      exception(err instanceof ModbusException ? err.code : ModbusExceptionCode.serverDeviceFailure);
    }
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(opts.port, 'tcp', err) : err);
    };
    server.once('error', onError);
    server.listen({ host: opts.host, port: opts.port }, () => {
      server.off('error', onError);
      resolve();
    });
  });

  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close() {
      closed = true;
      for (const t of pendingTimers) clearTimeout(t);
      pendingTimers.clear();
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Decode one request PDU and build the response PDU; throws ModbusException for exception responses. */
export function execute(unit: ModbusUnit, pdu: Buffer): Buffer {
  const functionCode = pdu.readUInt8(0);
  switch (functionCode) {
    case 0x03:
    case 0x04: {
      if (pdu.length !== 5) throw new ModbusException(ModbusExceptionCode.illegalDataValue, 'bad PDU length');
      const address = pdu.readUInt16BE(1);
      const count = pdu.readUInt16BE(3);
      if (count < 1 || count > MAX_READ_REGISTERS) throw new ModbusException(ModbusExceptionCode.illegalDataValue, `quantity ${count}`);
      if (address + count > 0x10000) throw new ModbusException(ModbusExceptionCode.illegalDataAddress);
      const words = unit.readRegisters(functionCode === 0x03 ? 'holding' : 'input', address, count);
      const out = Buffer.alloc(2 + count * 2);
      out.writeUInt8(functionCode, 0);
      out.writeUInt8(count * 2, 1);
      words.forEach((w, i) => out.writeUInt16BE(w & 0xffff, 2 + i * 2));
      return out;
    }
    case 0x06: {
      if (pdu.length !== 5) throw new ModbusException(ModbusExceptionCode.illegalDataValue, 'bad PDU length');
      unit.writeRegisters(pdu.readUInt16BE(1), [pdu.readUInt16BE(3)]);
      return Buffer.from(pdu); // echo
    }
    case 0x10: {
      if (pdu.length < 6) throw new ModbusException(ModbusExceptionCode.illegalDataValue, 'bad PDU length');
      const address = pdu.readUInt16BE(1);
      const count = pdu.readUInt16BE(3);
      const byteCount = pdu.readUInt8(5);
      if (count < 1 || count > MAX_WRITE_REGISTERS || byteCount !== count * 2 || pdu.length !== 6 + byteCount) {
        throw new ModbusException(ModbusExceptionCode.illegalDataValue, 'bad quantity or byte count');
      }
      if (address + count > 0x10000) throw new ModbusException(ModbusExceptionCode.illegalDataAddress);
      const values = Array.from({ length: count }, (_, i) => pdu.readUInt16BE(6 + i * 2));
      unit.writeRegisters(address, values);
      return pdu.subarray(0, 5);
    }
    default:
      throw new ModbusException(ModbusExceptionCode.illegalFunction);
  }
}

/**
 * The communication behaviour for a device from the simulator's fault list: `device_silent`,
 * `device_slow {delayMs}` (default 3000 ms), `modbus_exception {code}` (default 4, server device failure).
 */
export function commBehaviourFromFault(fault: { kind: string; params: Record<string, unknown> } | undefined): CommBehaviour {
  if (!fault) return { kind: 'normal' };
  switch (fault.kind) {
    case 'device_silent':
      return { kind: 'silent' };
    case 'device_slow': {
      const delayMs = Number(fault.params.delayMs ?? 3000);
      return { kind: 'slow', delayMs: Number.isFinite(delayMs) && delayMs >= 0 ? delayMs : 3000 };
    }
    case 'modbus_exception': {
      const code = Number(fault.params.code ?? ModbusExceptionCode.serverDeviceFailure);
      return { kind: 'exception', code: Number.isInteger(code) && code >= 1 && code <= 255 ? code : ModbusExceptionCode.serverDeviceFailure };
    }
    default:
      return { kind: 'normal' };
  }
}

/** The communication behaviour of `deviceId` under its current fault, read once per request. */
export const faultBehaviour = (faults: CommFaults, deviceId: string) => (): CommBehaviour =>
  commBehaviourFromFault(faults.forDevice(deviceId, 'modbus'));

/**
 * The unit lookup of a device with its own TCP interface: it answers `unitId`, and 0 and 255, which Modbus
 * TCP clients use for "the device at this IP"; other unit ids get no answer.
 */
export const ownUnitIds = (unitId: number, unit: ModbusUnit) => (id: number): ModbusUnit | undefined =>
  id === unitId || id === 0 || id === 255 ? unit : undefined;

/**
 * Several servers started as one device group: `startAll` starts them and adds each to `started`; if it
 * throws, the servers already started are closed and the error is rethrown. Returns one close for all of
 * them (calling it again returns the same promise).
 */
export async function startModbusTcpServers(startAll: (started: ModbusTcpServer[]) => Promise<void>): Promise<() => Promise<void>> {
  const servers: ModbusTcpServer[] = [];
  try {
    await startAll(servers);
  } catch (err) {
    await Promise.allSettled(servers.map((s) => s.close()));
    throw err;
  }
  let closing: Promise<void> | undefined;
  return () => (closing ??= Promise.all(servers.map((s) => s.close())).then(() => undefined));
}

