/**
 * Issue 3, acceptance 1 for the PDUs: net-snmp's command-line tools walk both vendor subtrees over
 * SNMPv3 authPriv (SHA/AES-128) with strictly increasing OIDs and the same lines as over v2c; wrong
 * credentials and lower security levels get no data.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareOids, parseOid } from '../../protocols/snmp-lite/mib.ts';
import { pduEngineId, startPduFleet, type PduFleet } from './fleet.ts';
import { bulkWalk, makeFakeSim, parseSnmpOutput, SKIP_WITHOUT_SNMP_TOOLS, type FakeSim } from './test-support.ts';

const run = promisify(execFile);
const PDU2 = '1.3.6.1.4.1.13742.6';
const ST4 = '1.3.6.1.4.1.1718.4';
const SYS_NAME = '1.3.6.1.2.1.1.5.0';
const V3 = { user: 'kiban', authKey: 'kiban-auth-key', privKey: 'kiban-priv-key' };
const COMMON = ['-On', '-Oe', '-Ot', '-m', '', '-t', '2', '-r', '0'];

interface ToolResult { code: number; stdout: string; stderr: string }

async function tool(cmd: string, args: string[]): Promise<ToolResult> {
  try {
    const { stdout, stderr } = await run(cmd, args, { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function v3Args(over: { user?: string; authKey?: string; privKey?: string; level?: string } = {}): string[] {
  const level = over.level ?? 'authPriv';
  const args = ['-v3', '-l', level, '-u', over.user ?? V3.user];
  if (level !== 'noAuthNoPriv') args.push('-a', 'SHA', '-A', over.authKey ?? V3.authKey);
  if (level === 'authPriv') args.push('-x', 'AES', '-X', over.privKey ?? V3.privKey);
  return args;
}

const target = (port: number) => `127.0.0.1:${port}`;

describe.skipIf(SKIP_WITHOUT_SNMP_TOOLS)('PDU fleet over SNMPv3 USM (net-snmp command-line tools)', () => {
  let sim: FakeSim;
  let fleet: PduFleet;
  let raritanPort: number;
  let sentryPort: number;

  beforeAll(async () => {
    sim = makeFakeSim([{ id: 'r1-a01', vendor: 'raritan' }, { id: 'r1-a02', vendor: 'sentry4', outlets: 16 }]);
    fleet = await startPduFleet(sim.ctx, { host: '127.0.0.1', community: 'public', v3User: V3 });
    raritanPort = fleet.endpoints.find((e) => e.pduId === 'r1-a01-pdu-a')!.port;
    sentryPort = fleet.endpoints.find((e) => e.pduId === 'r1-a02-pdu-a')!.port;
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it('lists the v3 credentials and a per-PDU engine id in every endpoint', () => {
    const ids = new Set<string>();
    for (const e of fleet.endpoints) {
      expect(e.snmp).toMatchObject({ version: '2c', community: 'public', v3: { user: 'kiban', authProtocol: 'sha', authKey: V3.authKey, privProtocol: 'aes', privKey: V3.privKey } });
      expect(e.snmp.v3!.engineId).toBe(pduEngineId(e.vendor, e.pduId).toString('hex'));
      ids.add(e.snmp.v3!.engineId);
    }
    expect(ids.size).toBe(fleet.endpoints.length);
    // 0x80000000 + 13742 (Raritan), format 4 (text), "r1-a01-pdu-a".
    expect(pduEngineId('raritan', 'r1-a01-pdu-a').toString('hex')).toBe(`800035ae04${Buffer.from('r1-a01-pdu-a').toString('hex')}`);
  });

  for (const [vendor, root, port] of [['Raritan PDU2-MIB', PDU2, () => raritanPort], ['Sentry4-MIB', ST4, () => sentryPort]] as const) {
    it(`snmpbulkwalk -v3 authPriv of the ${vendor} subtree equals the v2c walk, OIDs strictly increasing`, async () => {
      // Without -Cc the tool itself fails with "OID not increasing" on any disorder.
      const v3 = await tool('snmpbulkwalk', [...v3Args(), ...COMMON, '-Cr25', target(port()), root]);
      expect(v3.stderr).not.toMatch(/not increasing|error|failure|timeout/i);
      expect(v3.code).toBe(0);
      const v3Lines = v3.stdout.trim().split('\n');
      const v2Lines = (await tool('snmpbulkwalk', ['-v2c', '-c', 'public', ...COMMON, '-Cr25', target(port()), root])).stdout.trim().split('\n');
      expect(v3Lines.length).toBeGreaterThan(300);
      expect(v3Lines).toEqual(v2Lines);
      // The last PDU2-MIB instance is also the last of the MIB view: the tool then prints the
      // endOfMibView varbind, which carries the requested (= last) OID, as in the v2c walk.
      const oids = parseSnmpOutput(v3.stdout).filter((v) => !/No more variables/.test(v.value)).map((v) => parseOid(v.oid));
      for (let i = 1; i < oids.length; i++) expect(compareOids(oids[i - 1], oids[i])).toBeLessThan(0);
      expect(oids.every((o) => o.join('.').startsWith(`${root}.`))).toBe(true);
    });
  }

  it('snmpget -v3 authPriv reads scalars, and v2c keeps working', async () => {
    const v3 = await tool('snmpget', [...v3Args(), ...COMMON, target(raritanPort), SYS_NAME, `${PDU2}.3.2.1.1.2.1`]);
    expect(v3.code).toBe(0);
    expect(parseSnmpOutput(v3.stdout).map((v) => v.value)).toEqual(['r1-a01-pdu-a', 'Raritan']);
    const v2 = await bulkWalk(sentryPort, '1.3.6.1.2.1.1');
    expect(v2.find((v) => v.oid === SYS_NAME)?.value).toBe('r1-a02-pdu-a');
  });

  it('wrong auth key, wrong priv key and unknown user get an error and no data', async () => {
    const before = fleet.usmCounters('r1-a01-pdu-a')!;
    const cases: Array<[Parameters<typeof v3Args>[0], RegExp]> = [
      [{ authKey: 'not-the-auth-key' }, /Authentication failure/i],
      [{ privKey: 'not-the-priv-key' }, /Decryption error/i],
      [{ user: 'intruder' }, /Unknown user name/i],
    ];
    for (const [over, message] of cases) {
      const r = await tool('snmpget', [...v3Args(over), ...COMMON, target(raritanPort), SYS_NAME]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(parseSnmpOutput(r.stdout)).toEqual([]);
      const walk = await tool('snmpbulkwalk', [...v3Args(over), ...COMMON, target(raritanPort), PDU2]);
      expect(walk.code).not.toBe(0);
      expect(parseSnmpOutput(walk.stdout)).toEqual([]);
    }
    const after = fleet.usmCounters('r1-a01-pdu-a')!;
    expect(after.wrongDigests).toBe(before.wrongDigests + 2);
    expect(after.decryptionErrors).toBe(before.decryptionErrors + 2);
    expect(after.unknownUserNames).toBe(before.unknownUserNames + 2);
    // Every tool run starts with engine-id discovery (an empty engine id → usmStatsUnknownEngineIDs).
    expect(after.unknownEngineIDs).toBeGreaterThanOrEqual(before.unknownEngineIDs + 6);
  });

  it('authNoPriv and noAuthNoPriv for the authPriv user are refused with usmStatsUnsupportedSecLevels', async () => {
    for (const level of ['authNoPriv', 'noAuthNoPriv']) {
      const r = await tool('snmpget', [...v3Args({ level }), ...COMMON, target(raritanPort), SYS_NAME]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/Unsupported security level/i);
      expect(parseSnmpOutput(r.stdout)).toEqual([]);
    }
    expect(fleet.usmCounters('r1-a01-pdu-a')!.unsupportedSecLevels).toBe(2);
  });

  it('synchronises time with a requester that knows the engine id but not its clock (notInTimeWindows)', async () => {
    // With -e the tool skips discovery and sends boots=0/time=0; the authenticated Report carries the
    // engine's boots and time, and the tool retries within the window.
    const engineId = fleet.endpoints.find((e) => e.port === sentryPort)!.snmp.v3!.engineId;
    const before = fleet.usmCounters('r1-a02-pdu-a')!;
    const r = await tool('snmpget', [...v3Args(), '-e', `0x${engineId}`, ...COMMON, target(sentryPort), SYS_NAME]);
    expect(r.stderr).toBe('');
    expect(parseSnmpOutput(r.stdout).map((v) => v.value)).toEqual(['r1-a02-pdu-a']);
    const after = fleet.usmCounters('r1-a02-pdu-a')!;
    expect(after.notInTimeWindows).toBe(before.notInTimeWindows + 1);
    expect(after.unknownEngineIDs).toBe(before.unknownEngineIDs);
  });
});
