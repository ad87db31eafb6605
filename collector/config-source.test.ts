import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_CACHE_FILE, ConfigSourceError, FileConfigSource, ServerConfigSource, parseTargetsFile } from './config-source.ts';
import { startCollector, type TargetConfig } from './index.ts';
import { silentLogger, type Logger } from './logger.ts';
import { startIngestServer, waitFor, type IngestServer } from './test-support/ingest-server.ts';

const ups = (device: string, port = 161): TargetConfig => ({ device, kind: 'ups', profile: 'rfc1628-ups', host: '127.0.0.1', port });

function captureLogger(): Logger & { errors: Array<{ obj: any; msg?: string }> } {
  const errors: Array<{ obj: any; msg?: string }> = [];
  return { errors, info: () => {}, warn: () => {}, error: (obj, msg) => errors.push({ obj, msg }) };
}

const servers: IngestServer[] = [];
afterAll(async () => { for (const s of servers) await s.close(); });

describe('parseTargetsFile', () => {
  it('accepts a list or {targets: [...]}', () => {
    const text = '- {device: u1, kind: ups, profile: rfc1628-ups, host: 127.0.0.1, port: 161}\n';
    expect(parseTargetsFile('t.yaml', text)).toEqual([ups('u1')]);
    expect(parseTargetsFile('t.yaml', `targets:\n  ${text}`)).toEqual([ups('u1')]);
  });

  it.each([
    ['targets:\n  - {device: u1, kind: ups, profile: rfc1628-ups, host: h, port: 0}\n', 'targets[0].port'],
    ['targets:\n  - {device: u1, kind: toaster, profile: p, host: h, port: 1}\n', 'targets[0].kind'],
    ['targets:\n  - {device: u1, kind: ups, profile: p, host: h, port: 1}\n  - {device: u1, kind: ups, profile: p, host: h, port: 2}\n', 'targets[1].device'],
    ['- {device: u1, kind: ups, profile: p, host: h, port: 1, extra: 1}\n', '[0]'],
    ['targets: [\n', 'not valid YAML'],
  ])('names the file and the field: %#', (text, field) => {
    expect(() => parseTargetsFile('/etc/kiban/t.yaml', text)).toThrow(ConfigSourceError);
    expect(() => parseTargetsFile('/etc/kiban/t.yaml', text)).toThrow(new RegExp(`^/etc/kiban/t\\.yaml: .*${field.replace(/[[\]]/g, '\\$&')}`));
  });
});

describe('FileConfigSource', () => {
  it('refuses an invalid file at start', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'kiban-fcs-')), 't.yaml');
    await writeFile(file, 'targets: 3\n');
    await expect(new FileConfigSource({ file, logger: silentLogger }).start(() => {})).rejects.toThrow(/t\.yaml: targets/);
    await expect(new FileConfigSource({ file: `${file}.missing`, logger: silentLogger }).start(() => {})).rejects.toThrow(/cannot read: ENOENT/);
  });

  it('emits each valid edit once (debounced), keeps quiet on an invalid one, and survives replace-by-rename', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiban-fcs-'));
    const file = join(dir, 't.yaml');
    await writeFile(file, `- ${JSON.stringify(ups('u1'))}\n`);
    const logger = captureLogger();
    const seen: TargetConfig[][] = [];
    const source = new FileConfigSource({ file, logger, debounceMs: 50 });
    expect(await source.start((t) => seen.push(t))).toEqual([ups('u1')]);
    try {
      // A burst of writes is one change.
      for (const port of [162, 163, 164]) await writeFile(file, `- ${JSON.stringify(ups('u1', port))}\n`);
      await waitFor(() => seen.length === 1, 3000, 'one change');
      expect(seen[0]).toEqual([ups('u1', 164)]);

      await writeFile(file, `- ${JSON.stringify({ ...ups('u1'), port: 'x' })}\n`);
      await waitFor(() => logger.errors.length === 1, 3000, 'error logged');
      expect(logger.errors[0].obj.err).toMatch(/t\.yaml: \[0\]\.port/);
      expect(seen.length).toBe(1);

      // Config management writes a new file and renames it over the old one.
      const tmp = join(dir, '.t.yaml.new');
      await writeFile(tmp, `- ${JSON.stringify(ups('u2'))}\n`);
      const { rename } = await import('node:fs/promises');
      await rename(tmp, file);
      await waitFor(() => seen.length === 2, 3000, 'renamed file read');
      expect(seen[1]).toEqual([ups('u2')]);
    } finally {
      await source.stop();
    }
  });
});

describe('ServerConfigSource', () => {
  const configBody = (version: number, targets: TargetConfig[]) => ({ name: 'edge', changed: true, configVersion: version, targets });

  it('registers, caches the configuration (0600), and long-polls with since=<version>', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'kiban-scs-'));
    let polls = 0;
    const server = await startIngestServer((req) => {
      if (req.url === '/api/v1/collectors/register') return { status: 200, body: configBody(3, [ups('u1')]) };
      polls++;
      return polls === 1 ? { status: 200, body: configBody(4, [ups('u1'), ups('u2')]) } : { status: 200, body: { name: 'edge', changed: false, configVersion: 4 } };
    });
    servers.push(server);
    const seen: TargetConfig[][] = [];
    const source = new ServerConfigSource({ serverUrl: server.url, token: 't0k', name: 'edge', cacheDir, logger: silentLogger, version: '9.9', hostname: 'box' });
    expect(await source.start((t) => seen.push(t))).toEqual([ups('u1')]);
    await waitFor(() => seen.length === 1 && polls >= 2, 3000, 'change then a quiet poll');
    await source.stop();
    expect(seen[0].map((t) => t.device)).toEqual(['u1', 'u2']);
    expect(server.requests[0].body).toEqual({ name: 'edge', version: '9.9', hostname: 'box' });
    expect(server.requests[0].headers.authorization).toBe('Bearer t0k');
    expect(server.requests[1].url).toBe('/api/v1/collectors/edge/config?since=3&wait=25');
    expect(server.requests[2].url).toBe('/api/v1/collectors/edge/config?since=4&wait=25');
    const cacheFile = join(cacheDir, CONFIG_CACHE_FILE);
    expect(JSON.parse(await readFile(cacheFile, 'utf8'))).toMatchObject({ name: 'edge', configVersion: 4, targets: [ups('u1'), ups('u2')] });
    expect((await stat(cacheFile)).mode & 0o777).toBe(0o600);
  });

  it('refused registration (bad token, name taken) fails the start with the server\'s reason', async () => {
    const server = await startIngestServer(() => ({ status: 403, body: { error: { code: 'forbidden', message: "collector name 'edge' is registered to another token" } } }));
    servers.push(server);
    const source = new ServerConfigSource({ serverUrl: server.url, token: 't', name: 'edge', cacheDir: await mkdtemp(join(tmpdir(), 'kiban-scs-')), logger: silentLogger });
    await expect(source.start(() => {})).rejects.toThrow(/refused registration of collector 'edge': HTTP 403: collector name 'edge' is registered to another token/);
  });

  it('server down at start: the cached list runs; errors back off; the server\'s list replaces it when it answers', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'kiban-scs-'));
    await writeFile(join(cacheDir, CONFIG_CACHE_FILE), JSON.stringify({ name: 'edge', serverUrl: 'x', configVersion: 7, savedAt: new Date().toISOString(), targets: [ups('cached')] }));
    let up = false;
    const server = await startIngestServer((req) => {
      if (!up) return { status: 503, body: { error: { code: 'unavailable', message: 'db down' } } };
      return req.url === '/api/v1/collectors/register' ? { status: 200, body: configBody(8, [ups('fresh')]) } : { status: 200, body: { name: 'edge', changed: false, configVersion: 8 } };
    });
    servers.push(server);
    const seen: TargetConfig[][] = [];
    const source = new ServerConfigSource({ serverUrl: server.url, token: 't', name: 'edge', cacheDir, logger: silentLogger, backoffMs: { initial: 50, max: 100 } });
    expect(await source.start((t) => seen.push(t))).toEqual([ups('cached')]);
    await waitFor(() => server.requests.length >= 3, 3000, 'retries');
    expect(seen).toEqual([]);
    up = true;
    await waitFor(() => seen.length === 1, 3000, 'server list');
    await source.stop();
    expect(seen[0]).toEqual([ups('fresh')]);
    expect(source.configVersion).toBe(8);
  });

  it('a cache written for another collector name is not used', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'kiban-scs-'));
    await writeFile(join(cacheDir, CONFIG_CACHE_FILE), JSON.stringify({ name: 'other', serverUrl: 'x', configVersion: 1, savedAt: new Date().toISOString(), targets: [ups('theirs')] }));
    const source = new ServerConfigSource({ serverUrl: 'http://127.0.0.1:9', token: 't', name: 'edge', cacheDir, logger: silentLogger, backoffMs: { initial: 1000, max: 1000 } });
    expect(await source.start(() => {})).toEqual([]);
    await source.stop();
  });
});

describe('CollectorHandle.reconfigure', () => {
  it('diffs by device: adds, removes, replaces changed ones, leaves unchanged ones alone, keeps a target whose new version cannot start', async () => {
    const server = await startIngestServer(() => ({ status: 200, body: {} }));
    servers.push(server);
    const logger = captureLogger();
    const collector = await startCollector({
      name: 'edge', serverUrl: server.url, token: 't', outboxDir: await mkdtemp(join(tmpdir(), 'kiban-reconf-')),
      targets: [ups('a', 40001), ups('b', 40002)], logger,
    });
    try {
      // Same targets, fields in another order: nothing to do.
      expect(await collector.reconfigure([{ port: 40002, host: '127.0.0.1', profile: 'rfc1628-ups', kind: 'ups', device: 'b' }, ups('a', 40001)]))
        .toEqual({ added: [], removed: [], replaced: [], failed: {} });
      expect(await collector.reconfigure([ups('b', 40012), ups('c', 40003)])).toEqual({ added: ['c'], removed: ['a'], replaced: ['b'], failed: {} });
      expect(collector.targets().map((t) => [t.device, t.port])).toEqual([['b', 40012], ['c', 40003]]);

      const result = await collector.reconfigure([{ ...ups('b', 40012), profile: 'no-such-profile' }, ups('c', 40003), { ...ups('d'), profile: 'no-such-profile' }]);
      expect(Object.keys(result.failed).sort()).toEqual(['b', 'd']);
      expect(result.failed.b).toContain('no-such-profile');
      expect(collector.targets().map((t) => [t.device, t.profile])).toEqual([['b', 'rfc1628-ups'], ['c', 'rfc1628-ups']]);
      expect(logger.errors.some((e) => e.obj.device === 'd' && /no-such-profile/.test(e.obj.err))).toBe(true);

      await expect(collector.reconfigure([ups('x'), ups('x')])).rejects.toThrow(/duplicate device/);
    } finally {
      await collector.stop();
    }
    expect(await collector.reconfigure([ups('z')])).toEqual({ added: [], removed: [], replaced: [], failed: {} });
  });
});
