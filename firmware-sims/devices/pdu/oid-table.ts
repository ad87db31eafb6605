/**
 * Documentation data for the PDU OID maps. The vendor modules build their MIB templates from the same
 * ObjectSpec values, so the published table cannot drift from what the simulator serves.
 */
import { Tag } from '../../protocols/snmp-lite/ber.ts';
import { parseOid } from '../../protocols/snmp-lite/mib.ts';

export type ObjectSyntax = 'INTEGER' | 'Integer32' | 'Unsigned32' | 'Gauge32' | 'TimeTicks' | 'DisplayString' | 'OBJECT IDENTIFIER' | 'TruthValue';

export interface ObjectSpec {
  /** MIB object name, e.g. `measurementsOutletSensorValue`. */
  name: string;
  /** Numeric OID of the object (column or scalar), without instance. */
  oid: string;
  /** Instance suffix pattern, e.g. `<pduId>.<outletId>.<sensorType>` or `0`. */
  index: string;
  syntax: ObjectSyntax;
  access: 'read-only' | 'read-write';
  /** Engineering unit after scaling, if any. */
  unit?: string;
  /** How to turn the raw value into the unit, e.g. `÷ 10^DecimalDigits` or `× 0.01`. */
  scaling?: string;
  description: string;
}

export interface VendorOidTable {
  vendor: 'raritan' | 'sentry4';
  mib: string;
  enterpriseOid: string;
  sysObjectID: string;
  profile: string;
  objects: ObjectSpec[];
  /** Enumerations used by the objects (name → value → label). */
  enums: Record<string, Record<number, string>>;
  /** Further facts a client needs (scaling rules, quirks). */
  notes: string[];
}

export function berType(syntax: ObjectSyntax): number {
  switch (syntax) {
    case 'INTEGER': case 'Integer32': case 'TruthValue': return Tag.Integer;
    case 'Unsigned32': case 'Gauge32': return Tag.Gauge32;
    case 'TimeTicks': return Tag.TimeTicks;
    case 'DisplayString': return Tag.OctetString;
    case 'OBJECT IDENTIFIER': return Tag.ObjectIdentifier;
  }
}

export function objectOid(spec: ObjectSpec): number[] {
  return parseOid(spec.oid);
}

/** Markdown for docs/simulators.md. */
export function oidTableMarkdown(table: VendorOidTable): string {
  const lines = [
    `### ${table.mib} (${table.vendor}, profile \`${table.profile}\`)`,
    '',
    `Enterprise subtree \`${table.enterpriseOid}\`, sysObjectID \`${table.sysObjectID}\`.`,
    '',
    '| object | OID | index | syntax | access | unit | scaling | meaning |',
    '|---|---|---|---|---|---|---|---|',
    ...table.objects.map((o) => `| ${o.name} | \`${o.oid}\` | \`${o.index}\` | ${o.syntax} | ${o.access} | ${o.unit ?? ''} | ${o.scaling ?? ''} | ${o.description.replace(/\|/g, '\\|')} |`),
    '',
  ];
  for (const [name, values] of Object.entries(table.enums)) {
    lines.push(`- **${name}**: ${Object.entries(values).map(([v, label]) => `${label}(${v})`).join(', ')}`);
  }
  for (const note of table.notes) lines.push(`- ${note}`);
  return lines.join('\n') + '\n';
}

/**
 * The MIB-II system group (RFC 1213 `system`, 1.3.6.1.2.1.1) every PDU agent serves; only what some values
 * say differs per vendor.
 */
export function mib2SystemObjects(says: { sysDescr: string; sysObjectID: string; sysName: string; sysServices: string }) {
  const system = (name: string, n: number, syntax: ObjectSyntax, description: string, extra: Partial<ObjectSpec> = {}): ObjectSpec =>
    ({ name, oid: `1.3.6.1.2.1.1.${n}`, index: '0', syntax, access: 'read-only', ...extra, description });
  return {
    sysDescr: system('sysDescr', 1, 'DisplayString', says.sysDescr),
    sysObjectID: system('sysObjectID', 2, 'OBJECT IDENTIFIER', says.sysObjectID),
    sysUpTime: system('sysUpTime', 3, 'TimeTicks', 'Time since the simulator started', { unit: 's', scaling: '× 0.01' }),
    sysContact: system('sysContact', 4, 'DisplayString', 'Contact'),
    sysName: system('sysName', 5, 'DisplayString', says.sysName),
    sysLocation: system('sysLocation', 6, 'DisplayString', 'Rack id'),
    sysServices: system('sysServices', 7, 'INTEGER', says.sysServices),
  };
}
