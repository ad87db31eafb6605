/** Builds the web bundle when it is missing or older than its sources (first `npm start`, or after edits). */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = fileURLToPath(new URL('../web', import.meta.url));
export const webDistDir = path.join(webDir, 'dist');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export function webBundleIsStale(): boolean {
  const index = path.join(webDistDir, 'index.html');
  if (!existsSync(index)) return true;
  const sources = Math.max(newestMtime(path.join(webDir, 'src')), statSync(path.join(webDir, 'index.html')).mtimeMs,
    statSync(path.join(webDir, 'vite.config.ts')).mtimeMs);
  return sources > statSync(index).mtimeMs;
}

let building: Promise<void> | undefined;

export async function ensureWebBuilt(log: (msg: string) => void = () => {}): Promise<void> {
  if (!webBundleIsStale()) return;
  building ??= (async () => {
    log('Building the web UI (first run)…');
    const { build } = await import('vite');
    await build({ configFile: path.join(webDir, 'vite.config.ts'), logLevel: 'warn' });
  })().finally(() => { building = undefined; });
  await building;
}
