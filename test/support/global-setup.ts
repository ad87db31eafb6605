/**
 * Runs once before any test file: builds the web bundle when it is missing or stale, so the browser and
 * end-to-end suites (separate processes) never build it concurrently into the same folder.
 */
import { ensureWebBuilt } from '../../server/web-build.ts';

export default async function setup(): Promise<void> {
  await ensureWebBuilt();
}
