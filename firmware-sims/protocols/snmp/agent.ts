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
}

export interface SnmpAgentOptions {
  host: string;
  /** UDP port; 0 picks a free one (net-snmp itself would turn 0 into 161). */
  port: number;
  community: string;
  scalars: ScalarDefinition[];
  tables: TableDefinition[];
}

export interface SnmpAgentHandle {
  host: string;
  port: number;
  setScalar(name: string, value: SnmpValue): void;
  /** Insert or replace the row whose index column equals `row[indexColumn]`. */
  setRow(tableName: string, row: Record<string, SnmpValue>): void;
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
      if (error && !bindError && !/community/i.test(error.message)) {
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

  const mib = agent.getMib();
  for (const scalar of opts.scalars) {
    const dynamic = scalar.dynamic;
    mib.registerProvider({
      name: scalar.name,
      type: snmp.MibProviderType.Scalar,
      oid: scalar.oid,
      scalarType: scalar.type,
      maxAccess: READ_ONLY,
      ...(dynamic
        ? {
          handler: (request: { instanceNode: { value: unknown }; done: () => void }) => {
            request.instanceNode.value = dynamic();
            request.done();
          },
        }
        : {}),
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
      tableColumns: table.columns.map((c) => ({ number: c.number, name: c.name, type: c.type, maxAccess: READ_ONLY })),
      tableIndex: [{ columnName: table.indexColumn }],
    });
    tables.set(table.name, { definition: table, rows: new Set() });
  }

  const port = socket!.address().port;
  return {
    host: opts.host,
    port,
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
    close: () => new Promise<void>((resolve) => {
      agent.close(() => resolve());
    }),
  };
}

function requireCell(tableName: string, row: Record<string, SnmpValue>, column: string): SnmpValue {
  const value = row[column];
  if (value === undefined) throw new Error(`${tableName}: missing value for column ${column}`);
  return value;
}
