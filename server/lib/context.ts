import type { Db } from '../../db/client.ts';
import type { Principal } from '../../db/queries/auth.ts';
import type { LiveBus } from '../live/bus.ts';
import type { Logger } from './logger.ts';
import type { ServerMetrics } from './metrics.ts';

/** What every handler can reach: injected once in createApp, never imported as globals. */
export interface AppDeps {
  db: Db;
  logger: Logger;
  bus: LiveBus;
  metrics: ServerMetrics;
  version: string;
  /** Session lifetime for browser sign-ins. */
  sessionTtlMs: number;
}

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    principal: Principal;
    /** How the caller authenticated: API token header or browser session cookie. */
    authVia: 'bearer' | 'session';
  };
}
