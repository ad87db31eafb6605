/**
 * The floor plan of a generated 2,000-rack site in Chromium while every rack's inlet temperature and both PDUs'
 * inlet power arrive once a second (6,000+ samples/s through the real ingest API, the server and its SSE stream
 * to the page): frames per second as the browser paces them (requestAnimationFrame), the worst 1-s window, and
 * the page's long tasks. The display limit (60 fps) is the baseline; the acceptance is ≥ 30 fps in every second.
 * Also reported: the same page idle (no updates) as a control for what the machine's load alone costs.
 */
import { launchChromium } from '../test/support/browser.ts';
import { measureFrames, openFloorPlan, startDriver, startFloorSite, wavingValues, type FrameMeasurement } from './floor-site.ts';
import type { Bench } from './index.ts';

const DISPLAY_FPS = 60;
const TARGET_FPS = 30;
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

export const floorBench: Bench = {
  name: 'floor',
  description: 'floor plan of a generated 2,000-rack site in Chromium: frames/s while every rack updates each second (vs the display\'s 60 fps)',
  async run({ quick, log }) {
    const racks = quick ? 400 : 2000;
    const seconds = quick ? 10 : 20;
    const site = await startFloorSite({ racks, log });
    const browser = await launchChromium();
    try {
      let t0 = performance.now();
      const page = await openFloorPlan(browser, site);
      const openS = (performance.now() - t0) / 1000;
      log(`floor plan open with all ${racks.toLocaleString('en')} racks drawn in ${openS.toFixed(1)} s (${site.spec.rooms.length} rooms)`);

      const idle = await measureFrames(page, Math.min(10, seconds));
      log(`  idle page (no updates):  ${describe(idle)}`);

      const driver = startDriver(site, wavingValues);
      await new Promise((r) => setTimeout(r, 3000)); // the first updates reach the page
      t0 = performance.now();
      const before = { ...driver.stats };
      const live = await measureFrames(page, seconds);
      const driverS = (performance.now() - t0) / 1000;
      const samplesPerS = (driver.stats.samples - before.samples) / driverS;
      await driver.stop();
      log(`  during updates:          ${describe(live)}`);
      log(`  driver: ${Math.round(samplesPerS).toLocaleString('en')} samples/s through the ingest API (${driver.stats.lateTicks} late ticks, slowest batch ${Math.round(driver.stats.maxBatchMs)} ms); `
        + `page applied ${Math.round(live.applied / live.seconds).toLocaleString('en')} rack changes/s in ${Math.round(live.draws / live.seconds)} redraws/s`);
      const meanDrawMs = live.draws > 0 ? live.drawMs / live.draws : 0;
      const secondsBelow = live.perSecond.filter((n) => n < TARGET_FPS).length;
      log(`  frames in each second: ${live.perSecond.join(' ')} (${secondsBelow} of ${live.perSecond.length} seconds below ${TARGET_FPS})`);
      log(`  mean redraw of the canvas during updates: ${meanDrawMs.toFixed(2)} ms`);
      if (live.applied === 0) throw new Error('no update reached the floor plan during the measurement: the result would be meaningless');

      return {
        bench: 'floor', value: live.worstSecondFps, unit: 'frames/s in the worst 1-s window while every rack updates each second',
        baseline: DISPLAY_FPS, ratio: round(live.worstSecondFps / DISPLAY_FPS, 2), target: TARGET_FPS,
        racks, rooms: site.spec.rooms.length, seconds: round(live.seconds), fps: round(live.fps), fpsRatio: round(live.fps / DISPLAY_FPS, 2),
        longTasks: live.longTasks.count, longTaskMs: round(live.longTasks.totalMs, 0), longestTaskMs: round(live.longTasks.maxMs, 0),
        samplesPerS: Math.round(samplesPerS), rackChangesPerS: Math.round(live.applied / live.seconds), redrawsPerS: round(live.draws / live.seconds),
        meanDrawMs: round(meanDrawMs, 2), secondsBelowTarget: secondsBelow, measuredSeconds: live.perSecond.length, idleFps: round(idle.fps), idleWorstSecondFps: idle.worstSecondFps, openS: round(openS), importS: round(site.importS),
      };
    } finally {
      await browser.close();
      await site.close();
    }
  },
};

function describe(m: FrameMeasurement): string {
  return `${m.fps.toFixed(1)} fps over ${m.seconds.toFixed(1)} s (worst 1-s window ${m.worstSecondFps}), `
    + `${m.longTasks.count} long tasks (${Math.round(m.longTasks.totalMs)} ms, longest ${Math.round(m.longTasks.maxMs)} ms)`;
}
