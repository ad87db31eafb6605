/**
 * Modbus TCP (and RTU over TCP) driver: reads a profile's points in coalesced blocks, one connection
 * per device address reused across polls, ONE request in flight per connection (modbus-serial fails
 * with concurrent requests on one socket), reconnect after any communication error.
 *
 * Qualities: a Modbus exception answers the points of that block with `sentinel` (gateway exceptions
 * 10/11, "no answer from the device behind the gateway", with `comm_loss`) and the rest of the poll goes
 * on; a timeout or a connection failure makes every point of the target `comm_loss`. The reason is kept
 * per device (`lastError`) and logged when it changes.
 */
import ModbusRTU from 'modbus-serial';
import type { IdentityField, RawIdentity } from '../../identity.ts';
import type { Logger } from '../../logger.ts';
import type { ModbusProfile, Profile } from '../../profile.ts';
import { allPoints, type Driver, type PollTarget, type RawReading } from '../types.ts';
import { bigEndianBytes, decodeFromBlock, decodeString } from './decode.ts';
import { WORDS_OF_TYPE, type ModbusIdentitySource, type ModbusTable, type WordOrder } from './profile-schema.ts';
import { planReads, type ReadBlock } from './read-plan.ts';

/** Exception codes of the Modbus application protocol (v1.1b3 §7). */
export const MODBUS_EXCEPTION_NAMES: Record<number, string> = {
  1: 'illegal function', 2: 'illegal data address', 3: 'illegal data value', 4: 'server device failure',
  5: 'acknowledge', 6: 'server device busy', 8: 'memory parity error', 10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

export class ModbusExceptionError extends Error {
  override name = 'ModbusExceptionError';
  constructor(readonly code: number, readonly block: Pick<ReadBlock, 'table' | 'start' | 'count'>, readonly where: string) {
    super(`${MODBUS_EXCEPTION_NAMES[code] ?? 'unknown exception'} (${code}) reading ${block.table} ${block.start}..${block.start + block.count - 1} from ${where}`);
  }
}

export class ModbusCommError extends Error {
  override name = 'ModbusCommError';
}

export interface ModbusDriverOptions {
  /** Default per-request timeout when the target gives none. */
  timeoutMs?: number;
  /** Unmapped addresses a read may span when the profile does not say (default 0). */
  maxGap?: number;
  logger?: Logger;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function modbusCodeOf(err: unknown): number | undefined {
  const code = (err as { modbusCode?: unknown } | null)?.modbusCode;
  return typeof code === 'number' ? code : undefined;
}

/** One socket to one device address (or gateway) with a strict one-at-a-time request queue. */
class Connection {
  private client: ModbusRTU | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly host: string, private readonly port: number, private readonly transport: 'tcp' | 'rtu-over-tcp') {}

  /** Queue `request`; it runs when every earlier request on this connection has settled. */
  run<T>(timeoutMs: number, request: (client: ModbusRTU) => Promise<T>): Promise<T> {
    const result = this.tail.then(async () => {
      const client = await this.open(timeoutMs);
      try {
        return await request(client);
      } catch (err) {
        // After a timeout a late answer could be taken for the next request's: start afresh.
        if (modbusCodeOf(err) === undefined) this.drop();
        throw err;
      }
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async open(timeoutMs: number): Promise<ModbusRTU> {
    if (this.client?.isOpen) return this.client;
    this.drop();
    const client = new ModbusRTU();
    // A socket error must never crash the collector; the request in flight fails and we reconnect.
    (client as unknown as NodeJS.EventEmitter).on('error', () => this.drop());
    this.client = client;
    try {
      // modbus-serial's "TcpRTUBuffered" port still speaks MBAP on the wire; its Telnet port is the one
      // that sends raw RTU frames (with CRC) over TCP, which is what serial gateways in transparent mode expect.
      const connecting = this.transport === 'rtu-over-tcp'
        ? client.connectTelnet(this.host, { port: this.port, timeout: timeoutMs })
        : client.connectTCP(this.host, { port: this.port, timeout: timeoutMs });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ModbusCommError(`connect to ${hostPort(this.host, this.port)} timed out after ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([connecting, timedOut]);
      } finally {
        clearTimeout(timer);
      }
    } catch (err) {
      this.drop();
      throw err instanceof ModbusCommError ? err : new ModbusCommError(`cannot connect to ${hostPort(this.host, this.port)}: ${(err as Error).message}`);
    }
    return client;
  }

  drop(): void {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    try { client.destroy(() => undefined); } catch { /* already closed */ }
  }
}

async function readBlock(client: ModbusRTU, table: ModbusTable, start: number, count: number): Promise<number[]> {
  switch (table) {
    case 'coil': return (await client.readCoils(start, count)).data.slice(0, count).map((b) => (b ? 1 : 0));
    case 'discrete': return (await client.readDiscreteInputs(start, count)).data.slice(0, count).map((b) => (b ? 1 : 0));
    case 'input': return (await client.readInputRegisters(start, count)).data;
    case 'holding': return (await client.readHoldingRegisters(start, count)).data;
  }
}

export class ModbusDriver implements Driver {
  private readonly connections = new Map<string, Connection>();
  private readonly plans = new WeakMap<ModbusProfile, ReadBlock[]>();
  private readonly errors = new Map<string, Error>();
  private readonly timeoutMs: number;
  private readonly maxGap: number;
  private readonly logger: Logger | undefined;

  constructor(opts: ModbusDriverOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.maxGap = opts.maxGap ?? 0;
    this.logger = opts.logger;
  }

  /** Why the last poll of `device` was not clean (undefined after a clean poll). */
  lastError(device: string): Error | undefined {
    return this.errors.get(device);
  }

  /** The requests a poll of `profile` makes (cached per loaded profile). */
  plan(profile: ModbusProfile): ReadBlock[] {
    let plan = this.plans.get(profile);
    if (!plan) {
      plan = planReads(profile.points, { maxGap: profile.maxGap ?? this.maxGap });
      this.plans.set(profile, plan);
    }
    return plan;
  }

  async poll(target: PollTarget, profile: Profile, signal: AbortSignal): Promise<RawReading[]> {
    if (profile.protocol !== 'modbus') throw new Error(`the Modbus driver cannot poll ${profile.protocol} profile ${profile.name}`);
    const transport = target.transport ?? 'tcp';
    const unitId = target.unitId ?? profile.unitId ?? 1;
    const order: WordOrder = target.wordOrder ?? profile.wordOrder ?? 'ABCD';
    const timeoutMs = target.timeoutMs ?? this.timeoutMs;
    const where = `unit ${unitId} at ${hostPort(target.host, target.port)}`;
    const connection = this.connection(target.host, target.port, transport);
    const readings = new Array<RawReading | undefined>(profile.points.length);
    let problem: Error | undefined;

    for (const block of this.plan(profile)) {
      signal.throwIfAborted();
      let data: number[];
      try {
        data = await connection.run(timeoutMs, (client) => {
          client.setID(unitId);
          client.setTimeout(timeoutMs);
          return readBlock(client, block.table, block.start, block.count);
        });
      } catch (err) {
        if (signal.aborted) throw err;
        const code = modbusCodeOf(err);
        if (code === undefined) {
          const reason = err instanceof ModbusCommError ? err : new ModbusCommError(`${(err as Error).message} reading ${block.table} ${block.start}..${block.start + block.count - 1} from ${where}`);
          this.report(target.device, reason);
          return allPoints(profile, 'comm_loss');
        }
        problem ??= new ModbusExceptionError(code, block, where);
        // Gateway exceptions say the device behind it did not answer: that is a communication loss.
        const quality = code === 10 || code === 11 ? 'comm_loss' as const : 'sentinel' as const;
        for (const i of block.points) readings[i] = { metric: profile.points[i].metric, value: null, quality };
        continue;
      }
      for (const i of block.points) readings[i] = { metric: profile.points[i].metric, ...decodeFromBlock(profile.points[i], data, block.start, order) };
    }
    this.report(target.device, problem);
    return profile.points.map((p, i) => readings[i] ?? { metric: p.metric, value: null, quality: 'sentinel' });
  }

  /**
   * The profile's identity registers, one request per field on the poll's connection (queued behind it). A
   * field the device answers with an exception is left out; a device that does not answer rejects.
   */
  async readIdentity(target: PollTarget, profile: Profile, signal: AbortSignal): Promise<RawIdentity | undefined> {
    if (profile.protocol !== 'modbus' || !profile.identity) return undefined;
    const unitId = target.unitId ?? profile.unitId ?? 1;
    const order: WordOrder = target.wordOrder ?? profile.wordOrder ?? 'ABCD';
    const timeoutMs = target.timeoutMs ?? this.timeoutMs;
    const connection = this.connection(target.host, target.port, target.transport ?? 'tcp');
    const out: RawIdentity = {};
    for (const [field, source] of Object.entries(profile.identity) as Array<[IdentityField, ModbusIdentitySource | undefined]>) {
      if (!source) continue;
      signal.throwIfAborted();
      const words = source.type === 'string' ? source.words ?? 1 : WORDS_OF_TYPE[source.type];
      try {
        const data = await connection.run(timeoutMs, (client) => {
          client.setID(unitId);
          client.setTimeout(timeoutMs);
          return readBlock(client, source.table, source.address, words);
        });
        out[field] = source.type === 'string' ? decodeString(data) : Number(bigEndianBytes(data, order).readUIntBE(0, words * 2));
      } catch (err) {
        if (modbusCodeOf(err) === undefined) throw err;
      }
    }
    return out;
  }

  async close(): Promise<void> {
    for (const connection of this.connections.values()) connection.drop();
    this.connections.clear();
  }

  private connection(host: string, port: number, transport: 'tcp' | 'rtu-over-tcp'): Connection {
    const key = `${transport}|${host}|${port}`;
    let connection = this.connections.get(key);
    if (!connection) {
      connection = new Connection(host, port, transport);
      this.connections.set(key, connection);
    }
    return connection;
  }

  private report(device: string, error: Error | undefined): void {
    const previous = this.errors.get(device);
    if (!error) {
      if (previous) this.logger?.info({ device }, 'Modbus device reads cleanly again');
      this.errors.delete(device);
      return;
    }
    this.errors.set(device, error);
    if (previous?.message !== error.message) this.logger?.warn({ device, err: error.message }, error instanceof ModbusExceptionError ? 'Modbus exception; points of that block recorded as sentinel' : 'Modbus device not answering; recording comm_loss');
  }
}
