/**
 * The trap receiver on a real UDP port, fed by real net-snmp sessions (v1 and v2c traps, v2c and v3
 * informs, v3 authPriv traps) and by garbage, as a network would.
 */
import dgram from 'node:dgram';
import * as snmp from 'net-snmp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IngestEvent, Sample } from '../../../server/contracts/ingest.ts';
import { startTrapReceiver, type TrapReceiverHandle, type TrapTarget } from './trap-receiver.ts';

const { Integer, OctetString } = snmp.ObjectType;
const ON_BATTERY = '1.3.6.1.2.1.33.2.1';
const onBatteryVarbinds = [
  { oid: '1.3.6.1.2.1.33.1.2.3.0', type: Integer, value: 42 },
  { oid: '1.3.6.1.2.1.33.1.2.2.0', type: Integer, value: 3 },
  { oid: '1.3.6.1.2.1.33.1.9.7.0', type: Integer, value: 5 },
];
const V3 = { user: 'kiban', authKey: 'kiban-auth-key', privKey: 'kiban-priv-key' };

interface Received { device: string; events: IngestEvent[]; samples: Sample[] }
let received: Received[] = [];
let targets: TrapTarget[] = [];
let rx: TrapReceiverHandle;
const sessions: snmp.Session[] = [];

beforeAll(async () => {
  rx = await startTrapReceiver({
    bind: '127.0.0.1', port: 0, v3Users: [V3],
    targets: () => targets,
    onEvent: (device, events, samples) => received.push({ device, events, samples }),
  });
});
afterAll(async () => {
  for (const s of sessions) s.close();
  await rx.stop();
});
afterEach(() => { received = []; });

function v2c(community = 'public') {
  const s = snmp.createSession('127.0.0.1', community, { version: snmp.Version2c, trapPort: rx.port, port: rx.port, timeout: 1000, retries: 0 });
  s.on('error', () => {});
  sessions.push(s);
  return s;
}
function v3(user = V3) {
  const s = snmp.createV3Session('127.0.0.1', {
    name: user.user, level: snmp.SecurityLevel.authPriv, authProtocol: snmp.AuthProtocols.sha, authKey: user.authKey,
    privProtocol: snmp.PrivProtocols.aes, privKey: user.privKey,
  }, { version: snmp.Version3, trapPort: rx.port, port: rx.port, timeout: 1000, retries: 0 });
  s.on('error', () => {});
  sessions.push(s);
  return s;
}
const trap = (s: snmp.Session, oid: string, varbinds: snmp.Varbind[] = onBatteryVarbinds, options: object = {}) =>
  new Promise<void>((resolve, reject) => s.trap(oid, varbinds, options, (err: Error | null) => (err ? reject(err) : resolve())));
const inform = (s: snmp.Session, oid: string, varbinds: snmp.Varbind[] = onBatteryVarbinds) =>
  new Promise<snmp.Varbind[]>((resolve, reject) => s.inform(oid, varbinds, {}, (err, vbs) => (err ? reject(err) : resolve(vbs ?? []))));
async function until<T>(get: () => T | undefined, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
const settle = () => new Promise((r) => setTimeout(r, 300));

describe('SNMP trap receiver', () => {
  it('v2c trap from a known device → ups.on_battery event and the point updates, at once', async () => {
    targets = [{ device: 'ups-1', host: '127.0.0.1', profile: 'rfc1628-ups' }];
    const sent = Date.now();
    await trap(v2c(), ON_BATTERY);
    const r = await until(() => received[0]);
    expect(Date.now() - sent).toBeLessThan(1000);
    expect(r.device).toBe('ups-1');
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({
      device: 'ups-1', source: 'snmp-trap', name: 'ups.on_battery', severity: 'major',
      message: 'ups-1 on battery: 42 min remaining, 3 s on battery',
      attributes: { trapOid: ON_BATTERY, agent: '127.0.0.1', snmpVersion: 'v2c', minutesRemaining: 42 },
    });
    expect(r.events[0].eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r.samples.map((s) => [s.point, s.value, s.quality])).toEqual([
      ['ups-1/output.source', 5, 'ok'], ['ups-1/battery.runtime', 42, 'ok'], ['ups-1/battery.seconds_on_battery', 3, 'ok'],
    ]);
    expect(r.samples[0].ts).toBe(r.events[0].ts);
  });

  it('v2c inform: acknowledged to the sender, event source snmp-inform', async () => {
    targets = [{ device: 'ups-1', host: '127.0.0.1', profile: 'rfc1628-ups' }];
    const ack = await inform(v2c(), ON_BATTERY);
    expect(ack.map((v) => v.oid)).toContain('1.3.6.1.6.3.1.1.4.1.0');
    const r = await until(() => received[0]);
    expect(r.events[0]).toMatchObject({ source: 'snmp-inform', name: 'ups.on_battery', attributes: { inform: true } });
  });

  it('v3 authPriv trap and inform are accepted; a wrong key or an unknown user is rejected, not an event', async () => {
    targets = [{ device: 'ups-1', host: '127.0.0.1', profile: 'rfc1628-ups' }];
    await trap(v3(), ON_BATTERY);
    const r = await until(() => received[0]);
    expect(r.events[0]).toMatchObject({ source: 'snmp-trap', name: 'ups.on_battery', attributes: { snmpVersion: 'v3', securityName: 'kiban' } });
    await inform(v3(), ON_BATTERY);
    await until(() => received[1]);
    expect(received[1].events[0].source).toBe('snmp-inform');

    const before = rx.stats().rejected;
    await trap(v3({ ...V3, authKey: 'not-the-auth-key' }), ON_BATTERY);
    await trap(v3({ ...V3, user: 'mallory' }), ON_BATTERY);
    await until(() => (rx.stats().rejected >= before + 2 ? true : undefined));
    await settle();
    expect(received).toHaveLength(2);
  });

  it('a v3 user of a target (with keys) is accepted without listing it in v3Users', async () => {
    const other = { user: 'ups2-user', authKey: 'ups2-auth-key', privKey: 'ups2-priv-key' };
    targets = [{ device: 'ups-2', host: '127.0.0.1', profile: 'rfc1628-ups', v3: other }];
    await trap(v3(other), ON_BATTERY);
    expect((await until(() => received[0])).device).toBe('ups-2');
  });

  it('v1 Trap-PDU (APC PowerNet enterprise-specific 5) → ups.on_battery, output.status = onBattery', async () => {
    targets = [{ device: 'apc-1', host: '127.0.0.1', profile: 'apc-powernet-ups' }];
    const s = snmp.createSession('127.0.0.1', 'public', { version: snmp.Version1, trapPort: rx.port });
    s.on('error', () => {});
    sessions.push(s);
    await trap(s, '1.3.6.1.4.1.318.5', [{ oid: '1.3.6.1.4.1.318.2.3.3.0', type: OctetString, value: 'UPS: On battery power in response to an input power problem.' }], { agentAddr: '127.0.0.1' });
    const r = await until(() => received[0]);
    expect(r.events[0]).toMatchObject({ device: 'apc-1', name: 'ups.on_battery', attributes: { trapOid: '1.3.6.1.4.1.318.0.5', snmpVersion: 'v1' } });
    expect(r.samples).toEqual([expect.objectContaining({ point: 'apc-1/output.status', value: 3 })]);
  });

  it('an OID the profile does not list → info snmp.trap.unknown with the OID', async () => {
    targets = [{ device: 'ups-1', host: '127.0.0.1', profile: 'rfc1628-ups' }];
    await trap(v2c(), '1.3.6.1.4.1.99999.0.1', [{ oid: '1.3.6.1.4.1.99999.1.0', type: OctetString, value: 'hello' }]);
    const r = await until(() => received[0]);
    expect(r.events[0]).toMatchObject({ name: 'snmp.trap.unknown', severity: 'info', attributes: { trapOid: '1.3.6.1.4.1.99999.0.1', varbinds: [{ oid: '1.3.6.1.4.1.99999.1.0', value: 'hello' }] } });
    expect(r.samples).toEqual([]);
  });

  it('a community that neither a target nor the receiver uses is rejected', async () => {
    targets = [{ device: 'ups-1', host: '127.0.0.1', profile: 'rfc1628-ups', community: 'ups-1-traps' }];
    const before = rx.stats().rejected;
    await trap(v2c('guessed'), ON_BATTERY);
    await until(() => (rx.stats().rejected === before + 1 ? true : undefined));
    await trap(v2c('ups-1-traps'), ON_BATTERY);
    expect((await until(() => received[0])).device).toBe('ups-1');
    expect(received).toHaveLength(1);
  });

  it('notifications from an unknown sender are counted, not events', async () => {
    targets = [{ device: 'far-away', host: '192.0.2.10', profile: 'rfc1628-ups' }];
    const before = rx.stats().unknownSenders;
    await trap(v2c(), ON_BATTERY);
    await until(() => (rx.stats().unknownSenders === before + 1 ? true : undefined));
    await settle();
    expect(received).toEqual([]);
  });

  it('several devices behind one address are told apart by community', async () => {
    targets = [
      { device: 'gw-ups-a', host: '127.0.0.1', profile: 'rfc1628-ups', community: 'ups-a' },
      { device: 'gw-ups-b', host: '127.0.0.1', profile: 'rfc1628-ups', community: 'ups-b' },
    ];
    await trap(v2c('ups-b'), ON_BATTERY);
    await trap(v2c('ups-a'), ON_BATTERY);
    await until(() => received[1]);
    expect(received.map((r) => r.device).sort()).toEqual(['gw-ups-a', 'gw-ups-b']);
  });

  it('malformed packets are counted and never crash the receiver; it keeps working', async () => {
    targets = [{ device: 'ups-1', host: '127.0.0.1', profile: 'rfc1628-ups' }];
    const before = rx.stats().malformed;
    const sock = dgram.createSocket('udp4');
    const good = await new Promise<Buffer>((resolve) => {
      // A valid v2c trap's bytes, captured by sending it to a throwaway socket.
      const sink = dgram.createSocket('udp4');
      sink.bind(0, '127.0.0.1', () => {
        sink.once('message', (msg) => { sink.close(); resolve(msg); });
        const s = snmp.createSession('127.0.0.1', 'public', { version: snmp.Version2c, trapPort: (sink.address()).port });
        s.trap(ON_BATTERY, onBatteryVarbinds, () => s.close());
      });
    });
    const junk = [
      Buffer.from('not snmp at all'),
      Buffer.alloc(0),
      good.subarray(0, good.length - 7), // truncated
      Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01]), // absurd length
      Buffer.from(good).fill(0xff, 10, 20), // corrupted in the middle
      Buffer.from([0x30, 0x03, 0x02, 0x01, 0x09]), // unknown version
    ];
    for (const b of junk) await new Promise<void>((r) => sock.send(b, rx.port, '127.0.0.1', () => r()));
    await until(() => (rx.stats().malformed >= before + 4 ? true : undefined));
    await new Promise<void>((r) => sock.send(good, rx.port, '127.0.0.1', () => r()));
    const r = await until(() => received.find((x) => x.events[0].name === 'ups.on_battery'));
    expect(r.device).toBe('ups-1');
    sock.close();
  });

  it('a retransmitted inform (same request) gets the same event id, so the server stores it once', async () => {
    targets = [{ device: 'ups-1', host: '127.0.0.1', profile: 'rfc1628-ups' }];
    const sock = dgram.createSocket('udp4');
    const packet = await new Promise<Buffer>((resolve) => {
      const sink = dgram.createSocket('udp4');
      sink.bind(0, '127.0.0.1', () => {
        sink.once('message', (msg) => { sink.close(); resolve(msg); });
        const s = snmp.createSession('127.0.0.1', 'public', { version: snmp.Version2c, trapPort: sink.address().port, timeout: 200, retries: 0 });
        s.on('error', () => {});
        s.inform(ON_BATTERY, onBatteryVarbinds, {}, () => s.close());
      });
    });
    for (let i = 0; i < 2; i++) await new Promise<void>((r) => sock.send(packet, rx.port, '127.0.0.1', () => r()));
    await until(() => received[1]);
    expect(received[0].events[0].eventId).toBe(received[1].events[0].eventId);
    sock.close();
  });
});

describe('SNMP trap receiver options', () => {
  it('requires the configured community when one is set', async () => {
    const got: string[] = [];
    const strict = await startTrapReceiver({
      bind: '127.0.0.1', port: 0, community: 'traps-secret',
      targets: () => [{ device: 'ups-1', host: '127.0.0.1', profile: 'rfc1628-ups' }],
      onEvent: (device) => got.push(device),
    });
    try {
      const s = (c: string) => {
        const x = snmp.createSession('127.0.0.1', c, { version: snmp.Version2c, trapPort: strict.port });
        sessions.push(x);
        return x;
      };
      await trap(s('public'), ON_BATTERY);
      await trap(s('traps-secret'), ON_BATTERY);
      await until(() => (got.length === 1 && strict.stats().rejected === 1 ? true : undefined));
    } finally {
      await strict.stop();
    }
  });

  it('a port in use is a clear error', async () => {
    await expect(startTrapReceiver({ bind: '127.0.0.1', port: rx.port, targets: () => [], onEvent: () => {} }))
      .rejects.toThrow(/cannot listen for SNMP traps on 127\.0\.0\.1:\d+\/udp/);
  });
});
