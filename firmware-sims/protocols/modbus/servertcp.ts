/**
 * A Modbus TCP device on top of modbus-serial's ServerTCP (the hand-written modbus-server.ts is the
 * alternative used by the CRAC and meter simulators; both share its exception and fault types), with the things a device simulator needs
 * that the library does not do by itself:
 * - port 0 picks a free port (ServerTCP does `options.port || 502`, so a numeric 0 would mean 502);
 * - block reads are served from one `readHolding(address, count)` call, so a read either returns every
 *   register or one exception for the whole request (ServerTCP would otherwise ask register by register);
 * - FC03/FC04 reads longer than 125 registers get exception 3 (ServerTCP has no limit check);
 * - every function code the device does not implement gets an exception instead of no answer
 *   (ServerTCP silently drops requests whose vector function is missing);
 * - communication faults: silent (TCP accepted, never answered), slow (answers delayed), exception
 *   (every request answered with one exception code).
 */
import { ServerTCP, type IServiceVector } from 'modbus-serial';
import type { CommFaults } from '../../site/types.ts';
import { commBehaviourFromFault, ModbusException, ModbusExceptionCode, type CommBehaviour } from './modbus-server.ts';

/** What the device holds; each method is optional (missing = exception 1, illegal function). */
export interface ModbusRegisterSource {
  /** FC03: `count` holding registers from `address`, each 0..0xFFFF, or throw ModbusException. */
  readHolding?(address: number, count: number, unitId: number): number[];
  /** FC04. */
  readInput?(address: number, count: number, unitId: number): number[];
  /** FC06/FC16: write one register. */
  writeHolding?(address: number, value: number, unitId: number): void;
}

/** The communication behaviour of `deviceId` under its current fault, read once per request. */
export const faultBehaviour = (faults: CommFaults, deviceId: string) => (): CommBehaviour =>
  commBehaviourFromFault(faults.forDevice(deviceId));

export interface ServerTcpDeviceOptions {
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /**
   * Unit id this device answers. ServerTCP ignores (never answers) requests for other unit ids;
   * 255 (or 0) answers every unit id.
   */
  unitId: number;
  source: ModbusRegisterSource;
  behaviour?: () => CommBehaviour;
  /** Largest FC03/FC04 read (Modbus spec: 125). */
  maxReadRegisters?: number;
}

export interface ServerTcpDeviceHandle {
  host: string;
  port: number;
  close(): Promise<void>;
}

type ModbusError = { modbusErrorCode: number; msg?: string };
const toModbusError = (err: unknown): ModbusError =>
  err instanceof ModbusException
    ? { modbusErrorCode: err.code, msg: err.message }
    : { modbusErrorCode: ModbusExceptionCode.serverDeviceFailure, msg: String(err) };

export async function startServerTcpDevice(opts: ServerTcpDeviceOptions): Promise<ServerTcpDeviceHandle> {
  const behaviour = opts.behaviour ?? (() => ({ kind: 'normal' }) as const);
  const maxRead = opts.maxReadRegisters ?? 125;
  const { source } = opts;

  /** Answers under the current fault: never (silent), or through `answer` now or after a delay. */
  const respond = <T>(compute: () => T, cb: (err: ModbusError | null, value?: T) => void) => {
    const b = behaviour();
    if (b.kind === 'silent') return;
    const finish = () => {
      if (b.kind === 'exception') { cb({ modbusErrorCode: b.code }); return; }
      let value: T;
      try { value = compute(); } catch (err) { cb(toModbusError(err)); return; }
      cb(null, value);
    };
    if (b.kind === 'slow') setTimeout(finish, b.delayMs); else finish();
  };

  const readBlock = (read: ModbusRegisterSource['readHolding'], address: number, count: number, unitId: number): number[] => {
    if (!read) throw new ModbusException(ModbusExceptionCode.illegalFunction);
    if (count < 1 || count > maxRead) throw new ModbusException(ModbusExceptionCode.illegalDataValue, `read of ${count} registers (1..${maxRead})`);
    if (address + count > 0x10000) throw new ModbusException(ModbusExceptionCode.illegalDataAddress);
    const words = read.call(source, address, count, unitId);
    if (words.length !== count) throw new ModbusException(ModbusExceptionCode.serverDeviceFailure, 'register source returned the wrong length');
    return words;
  };
  const illegal = (code: number) => () => { throw new ModbusException(code); };

  // Callback-style vector functions (arity tells ServerTCP which calling convention we use).
  const vector = {
    getHoldingRegister: (addr: number, unitID: number, cb: (err: ModbusError | null, v?: number) => void) =>
      respond(() => readBlock(source.readHolding, addr, 1, unitID)[0], cb),
    getMultipleHoldingRegisters: (addr: number, len: number, unitID: number, cb: (err: ModbusError | null, v?: number[]) => void) =>
      respond(() => readBlock(source.readHolding, addr, len, unitID), cb),
    getInputRegister: (addr: number, unitID: number, cb: (err: ModbusError | null, v?: number) => void) =>
      respond(() => readBlock(source.readInput, addr, 1, unitID)[0], cb),
    getMultipleInputRegisters: (addr: number, len: number, unitID: number, cb: (err: ModbusError | null, v?: number[]) => void) =>
      respond(() => readBlock(source.readInput, addr, len, unitID), cb),
    getCoil: (_addr: number, _unitID: number, cb: (err: ModbusError | null, v?: boolean) => void) =>
      respond(illegal(ModbusExceptionCode.illegalFunction), cb),
    getDiscreteInput: (_addr: number, _unitID: number, cb: (err: ModbusError | null, v?: boolean) => void) =>
      respond(illegal(ModbusExceptionCode.illegalFunction), cb),
    setCoil: (_addr: number, _value: boolean, _unitID: number, cb: (err: ModbusError | null) => void) =>
      respond(illegal(ModbusExceptionCode.illegalFunction), cb),
    setRegister: (addr: number, value: number, unitID: number, cb: (err: ModbusError | null) => void) =>
      respond(() => {
        if (!source.writeHolding) throw new ModbusException(ModbusExceptionCode.illegalDataAddress);
        source.writeHolding(addr, value, unitID);
      }, cb),
  };

  const server = new ServerTCP(vector as unknown as IServiceVector, {
    host: opts.host,
    // String '0' survives ServerTCP's `options.port || 502` and net.Server.listen accepts it.
    port: (opts.port === 0 ? '0' : opts.port) as unknown as number,
    unitID: opts.unitId === 0 ? 255 : opts.unitId,
  });
  const internal = server as unknown as { _server: import('node:net').Server };

  await new Promise<void>((resolve, reject) => {
    server.on('initialized', () => resolve());
    server.on('serverError', (err: unknown) => reject(err));
  });
  // Client resets are routine (pollers time out and reconnect); keep them from becoming unhandled.
  server.on('socketError', () => {});
  server.on('error', () => {});

  const address = internal._server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    host: opts.host,
    port,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); }),
  };
}
