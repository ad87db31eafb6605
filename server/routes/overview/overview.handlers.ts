import type { Context } from 'hono';
import { powerChain } from '../../domain/site-power/chain.ts';
import { findSite, loadSitePowerInputs, NOT_REPORTING_AFTER_MS, siteDeviceReporting, SITE_POWER_STALE_AFTER_MS } from '../../domain/site-power/load.ts';
import { sitePowerSummary } from '../../domain/site-power/summary.ts';
import type { DeviceReporting } from '../../domain/site-power/types.ts';
import type { AppEnv } from '../../lib/context.ts';
import { errorJson } from '../../lib/errors.ts';

type C = Context<AppEnv, any, any>;

/** The site asked for (or the first one), or a 404 answer. */
async function siteOf(c: C) {
  const { site: key } = c.req.valid('query') as { site?: string };
  const site = await findSite(c.get('deps').db, key);
  if (!site) return { missing: errorJson(c, 404, 'not_found', key ? `no site ${key}` : 'no site is documented yet') };
  return { site };
}

export async function handleSitePower(c: C) {
  const { site, missing } = await siteOf(c);
  if (!site) return missing;
  return c.json(sitePowerSummary(await loadSitePowerInputs(c.get('deps').db, site)), 200);
}

export async function handlePowerChain(c: C) {
  const { site, missing } = await siteOf(c);
  if (!site) return missing;
  return c.json(powerChain(await loadSitePowerInputs(c.get('deps').db, site)), 200);
}

export async function handleDeviceReporting(c: C) {
  const { site, missing } = await siteOf(c);
  if (!site) return missing;
  const now = new Date();
  const items = (await siteDeviceReporting(c.get('deps').db, site, now))
    .sort((a, b) => Number(a.reporting) - Number(b.reporting) || (a.device < b.device ? -1 : a.device > b.device ? 1 : 0));
  const body: DeviceReporting = {
    site: { key: site.key, name: site.name }, at: now.toISOString(), staleAfterSeconds: SITE_POWER_STALE_AFTER_MS / 1000, silentAfterSeconds: NOT_REPORTING_AFTER_MS / 1000,
    total: items.length, notReporting: items.filter((d) => !d.reporting).length, items,
  };
  return c.json(body, 200);
}
