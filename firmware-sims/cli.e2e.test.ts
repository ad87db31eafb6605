/**
 * `kiban sim` as a user runs it (node server/cli/kiban.mjs sim …): help, a taken port, and a generated
 * 50-rack site that starts, prints its summary and stops cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pollUntil, runTool, stopChild } from './test-support/clients.ts';

const KIBAN = fileURLToPath(new URL('../server/cli/kiban.mjs', import.meta.url));

describe('kiban sim CLI', () => {
  it('--help describes the options', async () => {
    const r = await runTool(process.execPath, [KIBAN, 'sim', '--help'], 60_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Usage: kiban sim/);
    for (const option of ['--port', '--racks', '--site', '--speed', '--seed', '--mqtt', '--trap']) expect(r.stdout).toContain(option);
  });

  it('--port <taken>: a one-line error naming the port, exit 1', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runTool(process.execPath, [KIBAN, 'sim', '--port', String(port)], 120_000);
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n').filter((l) => !/npm warn/i.test(l));
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toContain(String(port));
      expect(lines[0]).toMatch(/in use/);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('--racks 50 --port 0 starts, prints the summary, answers the control API and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [KIBAN, 'sim', '--racks', '50', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => { stdout += String(b); });
    child.stderr.on('data', (b) => { stderr += String(b); });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await pollUntil(() => {
        if (child.exitCode !== null) throw new Error(`kiban sim exited ${child.exitCode}: ${stderr}`);
        return /Press Ctrl\+C to stop/.test(stdout) ? true : undefined;
      }, { timeoutMs: 90_000, what: 'the startup summary' });
      expect(stdout).toMatch(/50 racks/);
      expect(stdout).toMatch(/100 PDUs/);
      const url = /control API\s+(http:\/\/127\.0\.0\.1:\d+)\/sim\/v1/.exec(stdout)?.[1];
      expect(url, stdout).toBeDefined();
      const site = await (await fetch(`${url}/sim/v1/site`)).json();
      expect(site.racks).toBe(50);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout).toMatch(/stopped/);
    } finally {
      await stopChild(child);
    }
  });
});
