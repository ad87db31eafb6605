/** Runs `kiban collector` (collector/cli.ts) as a child process for tests; children left running are killed. */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export interface CollectorCliRun {
  child: ChildProcessByStdio<null, Readable, Readable>;
  out(): string;
  err(): string;
  exited: Promise<number | null>;
}

export function collectorCliRunner() {
  const cwd = fileURLToPath(new URL('../..', import.meta.url));
  const children = new Set<CollectorCliRun['child']>();
  /** Starts the CLI with `args`; KIBAN_TOKEN is unset unless `env` sets it. */
  const run = (args: string[], env: Record<string, string | undefined> = {}): CollectorCliRun => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', `import('./collector/cli.ts').then((m) => m.runCollectorCli(${JSON.stringify(args)}))`],
      { cwd, env: { ...process.env, KIBAN_TOKEN: undefined, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    children.add(child);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { children.delete(child); resolve(code); }));
    return { child, out: () => out, err: () => err, exited };
  };
  /** For afterAll: no collector outlives the suite when a test fails or times out. */
  const killAll = () => { for (const c of children) c.kill('SIGKILL'); };
  return { run, killAll };
}
