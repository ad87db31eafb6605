/**
 * `kiban bench <name> [--quick]`: human-readable progress on stderr, then as the last stdout line one JSON
 * object {bench, value, unit, baseline?, ratio?, target?, machine}. Benchmarks register here by name.
 */
import os from 'node:os';

export interface BenchResult { bench: string; value: number; unit: string; baseline?: number; ratio?: number; target?: number; [detail: string]: unknown }
export interface Bench { name: string; description: string; run(opts: { quick: boolean; log: (msg: string) => void }): Promise<BenchResult> }

const benches: Record<string, () => Promise<Bench>> = {
  ingest: async () => (await import('./ingest.ts')).ingestBench,
  sim: async () => (await import('./sim.ts')).simBench,
  poll: async () => (await import('./poll.ts')).pollBench,
  query: async () => (await import('./query.ts')).queryBench,
  cmdb: async () => (await import('./cmdb.ts')).cmdbBench,
  chart: async () => (await import('./chart.ts')).chartBench,
  floor: async () => (await import('./floor.ts')).floorBench,
  'site-api': async () => (await import('./site-api.ts')).siteApiBench,
};

export function machine(): string {
  return `${os.cpus().length} cpu ${os.cpus()[0]?.model.trim() ?? 'unknown'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
}

export async function runBenchCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(`Usage: kiban bench <name> [--quick]\n\nBenchmarks:\n${(await Promise.all(Object.entries(benches).map(async ([n, load]) => `  ${n.padEnd(12)} ${(await load()).description}`))).join('\n')}\n\n--quick finishes within 60 s; the full run is what docs/performance.md reports.`);
    return name ? 0 : 2;
  }
  const load = benches[name];
  if (!load) { console.error(`kiban bench: unknown benchmark "${name}" (known: ${Object.keys(benches).join(', ')})`); return 2; }
  const bench = await load();
  const result = await bench.run({ quick: rest.includes('--quick'), log: (m) => process.stderr.write(`${m}\n`) });
  console.log(JSON.stringify({ ...result, machine: machine() }));
  return 0;
}
