/**
 * snmp-lite SNMPv3/USM against net-snmp's JavaScript client (an independent v3 implementation): discovery,
 * authPriv, per-user security levels, access, counters, and key localization equal to net-snmp's own.
 */
import { randomBytes } from 'node:crypto';
import * as snmp from 'net-snmp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerRequest, startLiteAgent, type LiteAgent, type LiteDevice } from './agent.ts';
import { Tag } from './ber.ts';
import { integerWrite, MibTemplate, parseOid } from './mib.ts';
import { engineIdFor, localizeKey, UsmEngine, type UsmUser } from './usm.ts';

interface Ctx { outlet: number; name: string }

const state: Ctx = { outlet: 1, name: 'pdu-x' };
const template = new MibTemplate<Ctx>([
  { oid: parseOid('1.3.6.1.2.1.1.5.0'), objectLength: 8, type: Tag.OctetString, read: (c) => c.name },
  { oid: parseOid('1.3.6.1.4.1.99999.1.1.0'), objectLength: 9, type: Tag.Integer, read: (c) => c.outlet, write: integerWrite([0, 1], (c, v) => { c.outlet = v; }) },
  ...Array.from({ length: 300 }, (_, i) => ({
    oid: parseOid(`1.3.6.1.4.1.99999.2.1.${i + 1}`), objectLength: 9, type: Tag.Gauge32, read: () => 1000 + i,
  })),
]);
const device: LiteDevice<Ctx> = { snapshot: () => state, template: () => template, fault: () => undefined };

const PRIV_USER: UsmUser = { user: 'kiban', authKey: 'kiban-auth-key', privKey: 'kiban-priv-key' };
const AUTH_USER: UsmUser = { user: 'monitor', authKey: 'monitor-auth', privKey: 'monitor-priv', minLevel: 'authNoPriv', access: 'read' };

function v3Session(port: number, user: { name: string; level: snmp.SecurityLevel; authKey?: string; privKey?: string }) {
  return snmp.createV3Session('127.0.0.1', {
    name: user.name,
    level: user.level,
    authProtocol: snmp.AuthProtocols.sha,
    authKey: user.authKey,
    privProtocol: snmp.PrivProtocols.aes,
    privKey: user.privKey,
  }, { port, timeout: 1500, retries: 0 });
}

function call<T>(s: snmp.Session, fn: (cb: (err: Error | null, vbs?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, vbs) => {
    s.close();
    if (err) reject(err);
    else resolve(vbs as T);
  }));
}

const authPriv = { name: 'kiban', level: snmp.SecurityLevel.authPriv, authKey: 'kiban-auth-key', privKey: 'kiban-priv-key' };

describe('snmp-lite SNMPv3 USM (net-snmp library as the manager)', () => {
  let agent: LiteAgent;

  beforeAll(async () => {
    agent = await startLiteAgent(device, {
      host: '127.0.0.1', port: 0, community: 'public', writeCommunity: 'private',
      v3: { engineId: engineIdFor(99999, 'unit-pdu'), users: [PRIV_USER, AUTH_USER] },
    });
  });
  afterAll(async () => {
    await agent?.close();
  });

  it('discovers the engine, then answers authPriv Get, GetNext and GetBulk', async () => {
    const s = v3Session(agent.port, authPriv);
    const vbs = await call<snmp.Varbind[]>(s, (cb) => s.get(['1.3.6.1.2.1.1.5.0', '1.3.6.1.4.1.99999.1.1.0'], cb));
    expect(vbs.map((v) => String(v.value))).toEqual(['pdu-x', '1']);
    const counters = agent.usmCounters()!;
    expect(counters.unknownEngineIDs).toBeGreaterThanOrEqual(1);
    expect(counters.wrongDigests).toBe(0);

    const s2 = v3Session(agent.port, authPriv);
    const bulk = await call<snmp.Varbind[]>(s2, (cb) => s2.getBulk(['1.3.6.1.4.1.99999.2'], 0, 50, cb as never));
    const flat = (bulk as unknown as snmp.Varbind[]).flat();
    expect(flat).toHaveLength(50);
    expect(flat[0]).toMatchObject({ oid: '1.3.6.1.4.1.99999.2.1.1', value: 1000 });
    expect(flat[49]).toMatchObject({ oid: '1.3.6.1.4.1.99999.2.1.50', value: 1049 });
  });

  it('cuts a GetBulk answer to the requester’s msgMaxSize and the agent’s maximum', async () => {
    const small = await startLiteAgent(device, {
      host: '127.0.0.1', port: 0, community: 'public', maxMessageSize: 600,
      v3: { engineId: engineIdFor(99999, 'small-pdu'), users: [PRIV_USER] },
    });
    try {
      const s = v3Session(small.port, authPriv);
      const bulk = (await call<snmp.Varbind[]>(s, (cb) => s.getBulk(['1.3.6.1.4.1.99999.2'], 0, 300, cb as never))).flat();
      expect(bulk.length).toBeGreaterThan(5);
      expect(bulk.length).toBeLessThan(300);
      expect(bulk.map((v) => v.oid)).toEqual(bulk.map((_, i) => `1.3.6.1.4.1.99999.2.1.${i + 1}`));
    } finally {
      await small.close();
    }
  });

  it('lets an authNoPriv user in at authNoPriv, read-only (Set → noAccess)', async () => {
    const user = { name: 'monitor', level: snmp.SecurityLevel.authNoPriv, authKey: 'monitor-auth' };
    const s = v3Session(agent.port, user);
    const vbs = await call<snmp.Varbind[]>(s, (cb) => s.get(['1.3.6.1.2.1.1.5.0'], cb));
    expect(String(vbs[0].value)).toBe('pdu-x');
    const s2 = v3Session(agent.port, user);
    await expect(call(s2, (cb) => s2.set([{ oid: '1.3.6.1.4.1.99999.1.1.0', type: snmp.ObjectType.Integer, value: 0 }], cb)))
      .rejects.toThrow(/NoAccess/i);
    expect(state.outlet).toBe(1);
  });

  it('lets the read-write authPriv user Set', async () => {
    const s = v3Session(agent.port, authPriv);
    await call(s, (cb) => s.set([{ oid: '1.3.6.1.4.1.99999.1.1.0', type: snmp.ObjectType.Integer, value: 0 }], cb));
    expect(state.outlet).toBe(0);
    state.outlet = 1;
  });

  it('refuses levels below the user’s minimum with usmStatsUnsupportedSecLevels, and wrong keys with reports', async () => {
    const before = agent.usmCounters()!;
    const noPriv = v3Session(agent.port, { name: 'kiban', level: snmp.SecurityLevel.authNoPriv, authKey: 'kiban-auth-key' });
    await expect(call(noPriv, (cb) => noPriv.get(['1.3.6.1.2.1.1.5.0'], cb))).rejects.toThrow();
    const wrongAuth = v3Session(agent.port, { ...authPriv, authKey: 'not-the-auth-key' });
    await expect(call(wrongAuth, (cb) => wrongAuth.get(['1.3.6.1.2.1.1.5.0'], cb))).rejects.toThrow();
    const unknown = v3Session(agent.port, { ...authPriv, name: 'intruder' });
    await expect(call(unknown, (cb) => unknown.get(['1.3.6.1.2.1.1.5.0'], cb))).rejects.toThrow();
    const wrongPriv = v3Session(agent.port, { ...authPriv, privKey: 'not-the-priv-key' });
    await expect(call(wrongPriv, (cb) => wrongPriv.get(['1.3.6.1.2.1.1.5.0'], cb))).rejects.toThrow();
    const after = agent.usmCounters()!;
    expect(after.unsupportedSecLevels).toBe(before.unsupportedSecLevels + 1);
    expect(after.wrongDigests).toBe(before.wrongDigests + 1);
    expect(after.unknownUserNames).toBe(before.unknownUserNames + 1);
    expect(after.decryptionErrors).toBe(before.decryptionErrors + 1);
  });

  it('still answers v2c on the same socket', async () => {
    const s = snmp.createSession('127.0.0.1', 'public', { port: agent.port, version: snmp.Version2c, timeout: 1500, retries: 0 });
    const vbs = await call<snmp.Varbind[]>(s, (cb) => s.get(['1.3.6.1.2.1.1.5.0'], cb));
    expect(String(vbs[0].value)).toBe('pdu-x');
  });
});

describe('USM building blocks', () => {
  it('localizes keys exactly as net-snmp’s passwordToKey, without the 1 MB hash per engine', () => {
    const engineId = engineIdFor(13742, `t-${randomBytes(6).toString('hex')}`);
    const A = snmp.Authentication;
    const expected = Buffer.from(A.passwordToKey(snmp.AuthProtocols.sha, 'kiban-auth-key', engineId));
    delete A.authToKeyCache[A.computeCacheKey(snmp.AuthProtocols.sha, 'kiban-auth-key', engineId)];
    expect(localizeKey('kiban-auth-key', engineId).equals(expected)).toBe(true);
    // RFC 3414 §A.3.2 test vector: password "maplesyrup", engine 00…02 → 6695febc9288e36282235fc7151f1284 97b38f3f.
    const rfcEngine = Buffer.from('000000000000000000000002', 'hex');
    expect(localizeKey('maplesyrup', rfcEngine).toString('hex')).toBe('6695febc9288e36282235fc7151f128497b38f3f');
  });

  it('builds RFC 3411 engine ids: text format up to 27 octets, hashed beyond', () => {
    expect(engineIdFor(13742, 'r-1-pdu-a').toString('hex')).toBe('800035ae04722d312d7064752d61');
    const long = engineIdFor(1718, 'x'.repeat(40));
    expect(long.subarray(0, 5).toString('hex')).toBe('800006b605');
    expect(long).toHaveLength(25);
  });

  it('drops v3 when the agent has no engine, and rejects short keys', () => {
    const discovery = Buffer.from('303e0201033011020463de16a3020300ffe30401040201030410300e0400020100020100040004000400301404000400a00e020450652d260201000201003000', 'hex'); // snmpget's probe
    expect(answerRequest(device, discovery, { host: '127.0.0.1', port: 0, community: 'public' })).toBeUndefined();
    const engine = new UsmEngine({ engineId: engineIdFor(99999, 'e'), users: [PRIV_USER] });
    const out = engine.process(discovery, 65507);
    expect(out.kind).toBe('report');
    expect(engine.counters().unknownEngineIDs).toBe(1);
    expect(() => new UsmEngine({ engineId: engineIdFor(99999, 'e'), users: [{ ...PRIV_USER, authKey: 'short' }] })).toThrow(RangeError);
  });
});
