/** Starts the whole demo stack (sim → collector → server → embedded DB) on free loopback ports for a test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDemo, type Demo } from '../../server/demo.ts';
import { silentLogger } from '../../server/lib/logger.ts';

export interface Stack {
  baseUrl: string;
  adminToken: string;
  upsDevice: string;
  dataDir: string;
  demo: Demo;
  stop(): Promise<void>;
}

export async function startStack(opts: { pollIntervalMs?: number; identityIntervalMs?: number; simTickMs?: number; dataDir?: string; keepData?: boolean } = {}): Promise<Stack> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'kiban-stack-'));
  const demo = await startDemo({
    dataDir, port: 0, simPort: 0, pollIntervalMs: opts.pollIntervalMs ?? 1000, simTickMs: opts.simTickMs, identityIntervalMs: opts.identityIntervalMs,
    logger: silentLogger(),
  });
  return {
    baseUrl: demo.url, adminToken: demo.adminToken, upsDevice: demo.sim.devices.find((d) => d.kind === 'ups' && d.protocol === 'snmp')!.id, dataDir, demo,
    stop: async () => {
      await demo.stop();
      if (!opts.dataDir && !opts.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** fetch against the stack with the admin token. */
export function api(stack: Pick<Stack, 'baseUrl' | 'adminToken'>, pathAndQuery: string, init: RequestInit = {}) {
  return fetch(stack.baseUrl + pathAndQuery, {
    ...init, headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
}

/** Polls `fn` until it returns a truthy value or the timeout passes. */
export async function waitFor<T>(fn: () => Promise<T | undefined | false | null>, timeoutMs = 20_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) { lastErr = err; }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms${lastErr ? `: ${String(lastErr)}` : ''}`);
}
