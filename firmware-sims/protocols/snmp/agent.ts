/**
 * A thin wrapper around net-snmp's agent: declare scalars and tables as data, bind to one UDP port,
 * and update values from the device model. Shared by every simulated SNMP device.
 */
import dgram from 'node:dgram';
import * as snmp from 'net-snmp';

export type SnmpValue = number | string | Buffer;

export interface ScalarDefinition {
  /** Provider name, e.g. `upsOutputSource`; unique in one agent. */
  name: string;
  /** Object OID without the `.0` instance suffix. */
  oid: string;
  type: snmp.ObjectType;
  /** Computed at request time (e.g. sysUpTime); otherwise the stored value is served. */
  dynamic?: () => SnmpValue;
}

export interface TableColumnDefinition {
  number: number;
  name: string;
  type: snmp.ObjectType;
}

export interface TableDefinition {
  name: string;
  /** OID of the table's entry node, e.g. `1.3.6.1.2.1.33.1.4.4.1` for upsOutputEntry. */
  entryOid: string;
  columns: TableColumnDefinition[];
  /** Name of the (integer) index column; its value is the row's instance suffix. */
  indexColumn: string;
  /**
   * MAX-ACCESS of the index column. Most MIBs (RFC 1628 included) declare index columns
   * `not-accessible`: they appear only as the instance suffix, never as a walkable column.
   * Default `read-only` for backward compatibility with the first simulator tables.
   */
  indexMaxAccess?: 'read-only' | 'not-accessible';
}

/** SNMPv3 USM user (authPriv with SHA-1 / AES-128 unless told otherwise). */
export interface SnmpV3User {
  name: string;
  authKey: string;
  privKey: string;
  authProtocol?: 'sha' | 'md5';
  privProtocol?: 'aes' | 'des';
}

/**
 * Decides what happens to one incoming datagram: call `deliver` now (normal), later (slow device)
 * or never (silent device). Runs before net-snmp parses the message, so it also covers v3 discovery.
 */
export type SnmpRequestGate = (deliver: () => void) => void;

/** Per-instance answer override, e.g. to emulate an agent that answers noSuchInstance. */
export type SnmpInstanceOverride = (instanceOid: string) => 'noSuchInstance' | undefined;

export interface SnmpAgentOptions {
  host: string;
  /** UDP port; 0 picks a free one (net-snmp itself would turn 0 into 161). */
  port: number;
  community: string;
  scalars: ScalarDefinition[];
  tables: TableDefinition[];
  /** Extra SNMPv3 users (read-only), next to the v2c community. */
  users?: SnmpV3User[];
  requestGate?: SnmpRequestGate;
  instanceOverride?: SnmpInstanceOverride;
  /**
   * Also serve SNMP-FRAMEWORK-MIB snmpEngine (1.3.6.1.6.3.10.2.1: engine ID, boots, time, max message
   * size) as every v3-capable agent does. Besides being expected, it gives walks of the MIB-2 subtrees
   * a next object, so they end cleanly instead of on net-snmp's padded endOfMibView varbinds.
   */
  engineGroup?: boolean;
}

export interface SnmpAgentHandle {
  host: string;
  port: number;
  /** The agent's SNMPv3 authoritative engine ID. */
  engineId: Buffer;
  setScalar(name: string, value: SnmpValue): void;
  /** Insert or replace the row whose index column equals `row[indexColumn]`. */
  setRow(tableName: string, row: Record<string, SnmpValue>): void;
  /** Remove the row with this index (no-op when absent). */
  deleteRow(tableName: string, index: number): void;
  /** Indexes of the rows currently present, ascending. */
  rowIndexes(tableName: string): number[];
  close(): Promise<void>;
}

export class PortInUseError extends Error {
  constructor(readonly port: number, readonly transport: 'udp' | 'tcp', cause?: unknown) {
    super(`${transport.toUpperCase()} port ${port} is already in use`, { cause });
    this.name = 'PortInUseError';
  }
}

const READ_ONLY = snmp.MaxAccess['read-only'];

export async function startSnmpAgent(opts: SnmpAgentOptions): Promise<SnmpAgentHandle> {
  let socket: dgram.Socket | undefined;
  // A delayed request (slow-device fault) may come due after close(); the socket is gone by then.
  let closed = false;
  let bound!: () => void;
  let failed!: (err: Error) => void;
  const listening = new Promise<void>((resolve, reject) => { bound = resolve; failed = reject; });

  // net-snmp's Listener binds `options.port || 161`, so it cannot pick a free port and reports bind
  // errors only through the agent callback. Hand it a socket factory that binds where we ask and tells
  // us when the socket is listening or failed.
  const dgramModule = {
    createSocket(transport: dgram.SocketType) {
      const s = dgram.createSocket(transport);
      socket = s;
      const gate = opts.requestGate;
      if (gate) {
        // net-snmp binds its own 'message' listener; wrap it so the gate sees every datagram first.
        const originalOn = s.on.bind(s) as (event: string, listener: (...args: unknown[]) => void) => dgram.Socket;
        (s as unknown as { on: typeof originalOn }).on = (event, listener) =>
          event === 'message'
            ? originalOn(event, (...args: unknown[]) => gate(() => { if (!closed) listener(...args); }))
            : originalOn(event, listener);
      }
      const originalBind = s.bind.bind(s) as (port: number, address?: string) => dgram.Socket;
      (s as unknown as { bind: (port: number, address?: string) => dgram.Socket }).bind = (_port, address) => {
        s.once('listening', () => bound());
        s.once('error', failed);
        return originalBind(opts.port, address ?? undefined);
      };
      return s;
    },
  };

  const agent = snmp.createAgent(
    {
      address: opts.host,
      // Any non-zero placeholder: the real port comes from the socket factory above.
      port: opts.port === 0 ? 1 : opts.port,
      transport: opts.host.includes(':') ? 'udp6' : 'udp4',
      dgramModule,
      accessControlModelType: snmp.AccessControlModelType.Simple,
    },
    (error: Error | null) => {
      // Called for every answered request with data; only errors matter here. Bad community strings
      // are expected noise from scanners, so they are not worth a log line.
      const bindError = (error as NodeJS.ErrnoException | null)?.syscall === 'bind';
      // Wrong v3 keys and unknown users are just as routine as wrong communities.
      if (error && !bindError && !/community|decrypt|authenticat|unknown user|user name|engine/i.test(error.message)) {
        process.emitWarning(`snmp agent: ${error.message}`);
      }
    },
  );

  try {
    await listening;
  } catch (err) {
    try { socket?.close(); } catch { /* already closed */ }
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(opts.port, 'udp', err);
    throw err;
  }

  const authorizer = agent.getAuthorizer();
  authorizer.addCommunity(opts.community);
  authorizer.getAccessControlModel().setCommunityAccess(opts.community, snmp.AccessLevel.ReadOnly);
  for (const user of opts.users ?? []) {
    authorizer.addUser({
      name: user.name,
      level: snmp.SecurityLevel.authPriv,
      authProtocol: user.authProtocol === 'md5' ? snmp.AuthProtocols.md5 : snmp.AuthProtocols.sha,
      authKey: user.authKey,
      privProtocol: user.privProtocol === 'des' ? snmp.PrivProtocols.des : snmp.PrivProtocols.aes,
      privKey: user.privKey,
    });
    authorizer.getAccessControlModel().setUserAccess(user.name, snmp.AccessLevel.ReadOnly);
  }

  const override = opts.instanceOverride;
  type MibRequest = { oid: string; instanceNode: { value: unknown }; done: (error?: unknown) => void };
  // Every provider gets a handler when an override is configured: net-snmp consults the provider's
  // handler for each varbind (get, getNext and getBulk alike), and `done({type: NoSuchInstance})`
  // is how a handler answers an exception value without an error status.
  const handlerFor = (dynamic?: () => SnmpValue) => {
    if (!override && !dynamic) return {};
    return {
      handler: (request: MibRequest) => {
        if (override?.(request.oid) === 'noSuchInstance') {
          request.done({ errorStatus: snmp.ErrorStatus.NoError, type: snmp.ObjectType.NoSuchInstance, value: null });
          return;
        }
        if (dynamic) request.instanceNode.value = dynamic();
        request.done();
      },
    };
  };

  const mib = agent.getMib();
  const engine = (agent as { engine: { engineID: Buffer; engineBoots: number } }).engine;
  const startedAtMs = Date.now();
  const scalars: ScalarDefinition[] = [...opts.scalars];
  if (opts.engineGroup) {
    scalars.push(
      { name: 'snmpEngineID', oid: '1.3.6.1.6.3.10.2.1.1', type: snmp.ObjectType.OctetString, dynamic: () => engine.engineID },
      { name: 'snmpEngineBoots', oid: '1.3.6.1.6.3.10.2.1.2', type: snmp.ObjectType.Integer, dynamic: () => engine.engineBoots },
      { name: 'snmpEngineTime', oid: '1.3.6.1.6.3.10.2.1.3', type: snmp.ObjectType.Integer, dynamic: () => Math.floor((Date.now() - startedAtMs) / 1000) },
      { name: 'snmpEngineMaxMessageSize', oid: '1.3.6.1.6.3.10.2.1.4', type: snmp.ObjectType.Integer, dynamic: () => 65507 },
    );
  }
  for (const scalar of scalars) {
    const dynamic = scalar.dynamic;
    mib.registerProvider({
      name: scalar.name,
      type: snmp.MibProviderType.Scalar,
      oid: scalar.oid,
      scalarType: scalar.type,
      maxAccess: READ_ONLY,
      ...handlerFor(dynamic),
    });
    if (dynamic) mib.setScalarValue(scalar.name, dynamic());
  }

  const tables = new Map<string, { definition: TableDefinition; rows: Set<number> }>();
  for (const table of opts.tables) {
    mib.registerProvider({
      name: table.name,
      type: snmp.MibProviderType.Table,
      oid: table.entryOid,
      maxAccess: snmp.MaxAccess['not-accessible'],
      tableColumns: table.columns.map((c) => ({
        number: c.number,
        name: c.name,
        type: c.type,
        maxAccess: c.name === table.indexColumn && table.indexMaxAccess === 'not-accessible' ? snmp.MaxAccess['not-accessible'] : READ_ONLY,
      })),
      tableIndex: [{ columnName: table.indexColumn }],
      ...handlerFor(),
    });
    tables.set(table.name, { definition: table, rows: new Set() });
  }

  const port = socket!.address().port;
  return {
    host: opts.host,
    port,
    engineId: engine.engineID,
    setScalar(name, value) {
      mib.setScalarValue(name, value);
    },
    setRow(tableName, row) {
      const table = tables.get(tableName);
      if (!table) throw new Error(`unknown table provider ${tableName}`);
      const index = row[table.definition.indexColumn];
      if (typeof index !== 'number') throw new Error(`${tableName}: row needs a numeric ${table.definition.indexColumn}`);
      if (!table.rows.has(index)) {
        mib.addTableRow(tableName, table.definition.columns.map((c) => requireCell(tableName, row, c.name)));
        table.rows.add(index);
        return;
      }
      for (const column of table.definition.columns) {
        if (column.name === table.definition.indexColumn) continue;
        mib.setTableSingleCell(tableName, column.number, [index], requireCell(tableName, row, column.name));
      }
    },
    deleteRow(tableName, index) {
      const table = tables.get(tableName);
      if (!table) throw new Error(`unknown table provider ${tableName}`);
      if (!table.rows.has(index)) return;
      // net-snmp prunes the emptied column and entry nodes, so an empty table vanishes from walks.
      mib.deleteTableRow(tableName, [index]);
      table.rows.delete(index);
    },
    rowIndexes(tableName) {
      const table = tables.get(tableName);
      if (!table) throw new Error(`unknown table provider ${tableName}`);
      return [...table.rows].sort((a, b) => a - b);
    },
    close: () => new Promise<void>((resolve) => {
      closed = true;
      agent.close(() => resolve());
    }),
  };
}

function requireCell(tableName: string, row: Record<string, SnmpValue>, column: string): SnmpValue {
  const value = row[column];
  if (value === undefined) throw new Error(`${tableName}: missing value for column ${column}`);
  return value;
}
