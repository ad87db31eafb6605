/**
 * Regenerates the protocol tables of docs/simulators.md from the simulators' own data exports, so the
 * documentation cannot drift from what the devices serve. Each table sits between
 *   <!-- BEGIN GENERATED name -->  and  <!-- END GENERATED name -->
 * and is replaced in place; everything else in the file is left alone.
 *
 *   npx tsx firmware-sims/docs/generate-tables.ts           rewrite docs/simulators.md
 *   npx tsx firmware-sims/docs/generate-tables.ts --check   exit 1 if a table is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ICOM_REGISTER_MAP } from '../devices/crac/icom-map.ts';
import { ENERGY_METER_REGISTER_MAP, WATER_METER_REGISTER_MAP } from '../devices/meter/meter-map.ts';
import { pduSnmpOidTablesMarkdown } from '../devices/pdu/fleet.ts';
import { RACK_SENSOR_TOPIC_LAYOUT } from '../devices/sensor/rack-sensors.ts';
import { apcModbusMarkdown } from '../devices/ups/apc-modbus-map.ts';
import {
  ALARMS_WITHOUT_ADDED_TRAP, ALARMS_WITHOUT_REMOVED_TRAP, UPS_TRAPS, upsMibMarkdown, wellKnownAlarmOid,
} from '../devices/ups/rfc1628.ts';
import { FAULT_RULES } from '../faults/registry.ts';
import { registerMapMarkdown, type RegisterMapRow } from '../protocols/modbus/register-map.ts';
import { UPS_WELL_KNOWN_ALARMS, type UpsAlarmName } from '../site/types.ts';

const DOC = fileURLToPath(new URL('../../docs/simulators.md', import.meta.url));

/** Alarms the physics model raises (site-model.ts, UPS step); the rest of RFC 1628's list is never set. */
const RAISED_ALARMS: Partial<Record<UpsAlarmName, string>> = {
  batteryBad: 'battery_bad fault (battery health 10 %)',
  onBattery: 'output source battery (utility_failure)',
  lowBattery: 'estimated runtime ≤ 5 min, or battery depleted',
  depletedBattery: 'charge 0 %',
  outputOverload: 'upsOutputPercentLoad > 100 (ups_overload)',
  onBypass: 'output source bypass (ups_bypass, or overload longer than bypassAfterS)',
  upsOutputOff: 'output source none (battery exhausted without mains)',
};

function upsAlarmsAndTraps(): string {
  const alarms = (Object.keys(UPS_WELL_KNOWN_ALARMS) as UpsAlarmName[]).filter((a) => RAISED_ALARMS[a]);
  const alarmRows = alarms.map((a) => {
    const traps = [ALARMS_WITHOUT_ADDED_TRAP.has(a) ? '— (has its own trap)' : 'upsTrapAlarmEntryAdded', ALARMS_WITHOUT_REMOVED_TRAP.has(a) ? '—' : 'upsTrapAlarmEntryRemoved'];
    return `| upsAlarm${a[0].toUpperCase()}${a.slice(1)} | .${wellKnownAlarmOid(a)} | ${RAISED_ALARMS[a]} | ${traps.join(' / ')} |`;
  });
  const trapRows = Object.entries(UPS_TRAPS).map(([name, t]) => `| ${name} | .${t.oid} | ${t.objects.join(', ')} |`);
  return [
    '| upsAlarmDescr | OID | raised when | trap on add / remove |',
    '|---|---|---|---|',
    ...alarmRows,
    '',
    '| notification | snmpTrapOID | varbinds (after sysUpTime.0, snmpTrapOID.0) |',
    '|---|---|---|',
    ...trapRows,
  ].join('\n');
}

/** The meter maps are the same for both word orders but for the word order column: one table for both. */
function meterMarkdown(byOrder: Record<'ABCD' | 'CDAB', RegisterMapRow[]>): string {
  const abcd = registerMapMarkdown(byOrder.ABCD).split('\n');
  const cdab = registerMapMarkdown(byOrder.CDAB).split('\n');
  if (abcd.length !== cdab.length) throw new Error('meter maps differ between word orders');
  // One table: multi-word rows show both settings (the meter's Word Order register / wordOrder says which).
  return abcd.map((line, i) => (line === cdab[i] ? line : line.replace('| ABCD |', '| ABCD or CDAB |'))).join('\n');
}

type JsonSchemaProperty = { type?: string; default?: unknown; minimum?: number; maximum?: number; exclusiveMinimum?: number; enum?: unknown[]; pattern?: string };

function faultKinds(): string {
  const rows = Object.entries(FAULT_RULES).map(([kind, rule]) => {
    const schema = z.toJSONSchema(rule.params, { io: 'input' }) as { properties?: Record<string, JsonSchemaProperty>; required?: string[] };
    const params = Object.entries(schema.properties ?? {}).map(([name, p]) => {
      const range = p.enum ? p.enum.map((v) => JSON.stringify(v)).join(' \\| ')
        : p.pattern ? 'numeric OID'
        : [p.minimum ?? (p.exclusiveMinimum !== undefined ? `>${p.exclusiveMinimum}` : undefined), p.maximum !== undefined && p.maximum < 1e15 ? p.maximum : undefined]
          .map((v) => (v === undefined ? '' : String(v))).join('..');
      const type = p.type === 'integer' ? 'int' : p.type ?? '';
      const dflt = p.default !== undefined ? `= ${JSON.stringify(p.default)}` : schema.required?.includes(name) ? '**required**' : 'optional';
      return `\`${name}\` ${type}${range && range !== '..' ? ` ${range}` : ''} ${dflt}`;
    });
    const protocols = rule.protocols ? rule.protocols.join(', ') : rule.answers ?? '— (physics)';
    return `| \`${kind}\` | ${rule.targets.join(', ')} | ${params.join('<br>') || '—'} | ${protocols} |`;
  });
  return ['| kind | target types | params (type, range, default) | changes answers of |', '|---|---|---|---|', ...rows].join('\n');
}

function sensorTopics(): string {
  const l = RACK_SENSOR_TOPIC_LAYOUT;
  const p = l.payload;
  return [
    '| topic | QoS | retained | payload |',
    '|---|---|---|---|',
    `| \`${l.data}\` | ${l.dataQos} | ${l.dataRetained ? 'yes' : 'no'} | JSON, see below |`,
    `| \`${l.availability}\` | ${l.availabilityQos} | ${l.availabilityRetained ? 'yes' : 'no'} | \`${l.online}\` on connect; \`offline\` as the MQTT last will (and on a clean simulator shutdown) |`,
    '',
    '| JSON field | unit / format |',
    '|---|---|',
    `| \`ts\` | ${p.ts} |`,
    `| \`inlet.top\`, \`inlet.middle\`, \`inlet.bottom\` | ${p.inlet.top}, rounded to ${l.resolution} |`,
    `| \`outlet\` | ${p.outlet}, rounded to ${l.resolution} |`,
    `| \`humidity\` | ${p.humidity}, rounded to ${l.resolution} |`,
    `| \`unit\` | always ${p.unit} |`,
    '',
    `\`<prefix>\` is \`${l.prefix}\`; every segment is sanitised to \`[A-Za-z0-9_.-]\` (other characters become \`-\`).`,
  ].join('\n');
}

export const GENERATED: Record<string, () => string> = {
  'ups-mib': upsMibMarkdown,
  'ups-alarms-traps': upsAlarmsAndTraps,
  'apc-modbus': apcModbusMarkdown,
  'pdu-oids': () => pduSnmpOidTablesMarkdown().trimEnd(),
  'icom': () => registerMapMarkdown(ICOM_REGISTER_MAP),
  'energy-meter': () => meterMarkdown(ENERGY_METER_REGISTER_MAP),
  'water-meter': () => meterMarkdown(WATER_METER_REGISTER_MAP),
  'sensor-topics': sensorTopics,
  'fault-kinds': faultKinds,
};

export function regenerate(doc: string): string {
  let out = doc;
  for (const [name, render] of Object.entries(GENERATED)) {
    const begin = `<!-- BEGIN GENERATED ${name} -->`;
    const end = `<!-- END GENERATED ${name} -->`;
    const i = out.indexOf(begin);
    const j = out.indexOf(end);
    if (i < 0 || j < i) throw new Error(`docs/simulators.md has no '${begin}' … '${end}' block`);
    out = `${out.slice(0, i + begin.length)}\n${render()}\n${out.slice(j)}`;
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const current = readFileSync(DOC, 'utf8');
  const next = regenerate(current);
  if (process.argv.includes('--check')) {
    if (next !== current) {
      process.stderr.write('docs/simulators.md: generated tables are out of date; run npx tsx firmware-sims/docs/generate-tables.ts\n');
      process.exit(1);
    }
  } else if (next !== current) {
    writeFileSync(DOC, next);
    process.stdout.write('docs/simulators.md: tables regenerated\n');
  } else {
    process.stdout.write('docs/simulators.md: tables up to date\n');
  }
}
