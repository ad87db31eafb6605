/**
 * Measurement behind the PDU fleet design: how heavy is one stock net-snmp `createAgent` per PDU?
 * Starts N agents (default 200), each with a Raritan-sized outlet sensor table (24 outlets × 7 sensors ×
 * 4 columns) and prints startup time and RSS, extrapolated to 4,000 PDUs.
 *   npx tsx firmware-sims/devices/pdu/measure-net-snmp-agents.ts [N]
 */
import dgram from 'node:dgram';
import * as snmp from 'net-snmp';

const count = Number(process.argv[2] ?? 200);
const outlets = 24;
const sensorTypes = [1, 4, 5, 6, 7, 8, 14];

type NetSnmpAgent = ReturnType<typeof snmp.createAgent>;
let lastAgent: NetSnmpAgent | undefined;

async function startOne(): Promise<{ close: () => void }> {
  let socket!: dgram.Socket;
  const listening = new Promise<void>((resolve) => {
    const dgramModule = {
      createSocket(t: dgram.SocketType) {
        socket = dgram.createSocket(t);
        const bind = socket.bind.bind(socket) as (p: number, a?: string) => dgram.Socket;
        (socket as unknown as { bind: (p: number, a?: string) => dgram.Socket }).bind = (_p, a) => {
          socket.once('listening', () => resolve());
          return bind(0, a);
        };
        return socket;
      },
    };
    const agent = snmp.createAgent({ address: '127.0.0.1', port: 1, dgramModule, accessControlModelType: snmp.AccessControlModelType.Simple } as never, () => {});
    agent.getAuthorizer().addCommunity('public');
    const mib = agent.getMib();
    const ro = snmp.MaxAccess['read-only'];
    mib.registerProvider({
      name: 'outletSensorMeasurementsEntry',
      type: snmp.MibProviderType.Table,
      oid: '1.3.6.1.4.1.13742.6.5.4.3.1',
      maxAccess: snmp.MaxAccess['not-accessible'],
      tableColumns: [
        { number: 1, name: 'sensorType', type: snmp.ObjectType.Integer, maxAccess: snmp.MaxAccess['not-accessible'] },
        { number: 2, name: 'isAvailable', type: snmp.ObjectType.Integer, maxAccess: ro },
        { number: 3, name: 'state', type: snmp.ObjectType.Integer, maxAccess: ro },
        { number: 4, name: 'value', type: snmp.ObjectType.Gauge, maxAccess: ro },
        { number: 5, name: 'timeStamp', type: snmp.ObjectType.Gauge, maxAccess: ro },
        { number: 100, name: 'pduId', type: snmp.ObjectType.Integer, maxAccess: snmp.MaxAccess['not-accessible'] },
        { number: 101, name: 'outletId', type: snmp.ObjectType.Integer, maxAccess: snmp.MaxAccess['not-accessible'] },
      ],
      tableIndex: [{ columnName: 'pduId' }, { columnName: 'outletId' }, { columnName: 'sensorType' }],
    } as never);
    for (let o = 1; o <= outlets; o++) {
      for (const t of sensorTypes) mib.addTableRow('outletSensorMeasurementsEntry', [t, 1, 4, 1000 + o, 1700000000, 1, o]);
    }
    lastAgent = agent;
  });
  await listening;
  const agent = lastAgent!;
  return { close: () => agent.close() };
}

const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
const agents = [];
for (let i = 0; i < count; i++) agents.push(await startOne());
const ms = performance.now() - t0;
global.gc?.();
const rss = process.memoryUsage().rss;
const perAgentMB = (rss - rss0) / count / 1048576;
console.log(JSON.stringify({
  agents: count,
  startupMs: Math.round(ms),
  rssMB: Math.round(rss / 1048576),
  perAgentMB: Number(perAgentMB.toFixed(2)),
  extrapolated4000: { startupS: Number((ms / count * 4000 / 1000).toFixed(1)), rssMB: Math.round(rss0 / 1048576 + perAgentMB * 4000) },
}));
for (const a of agents) a.close();
