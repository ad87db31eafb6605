/**
 * Test tiers that need something from the machine (a PostgreSQL server, Chromium, net-snmp's tools).
 * Without it the tier is skipped — except with CI=true, where a tier that cannot run is a failure.
 */
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';

export const isCI = process.env.CI === 'true';

export interface Tier { name: string; available: boolean; why: string }

export const postgresTier = (): Tier => ({
  name: 'PostgreSQL', available: !!process.env.TEST_DATABASE_URL, why: 'TEST_DATABASE_URL is not set',
});
export const chromiumTier = (): Tier => ({
  name: 'Chromium', available: existsSync('/usr/bin/chromium'), why: '/usr/bin/chromium not found (apt-get install chromium)',
});
export const snmpToolsTier = (): Tier => ({
  name: 'net-snmp tools', available: existsSync('/usr/bin/snmpget'), why: '/usr/bin/snmpget not found (apt-get install snmp)',
});

/** `describe` that runs when the tier is available, skips otherwise, and fails under CI=true. */
export function describeTier(tier: Tier, title: string, fn: () => void) {
  if (tier.available) return describe(title, fn);
  if (isCI) {
    return describe(title, () => {
      it(`${tier.name} tier must run in CI`, () => { throw new Error(`${tier.name} tier cannot run: ${tier.why}`); });
    });
  }
  return describe.skip(`${title} (${tier.name} tier skipped: ${tier.why})`, fn);
}

