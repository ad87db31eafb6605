/**
 * Typed client for the site overview and the power chain: site power (GET /api/v1/overview/power), device
 * reporting (GET /api/v1/overview/devices) and the power chain (GET /api/v1/power-chain). The wire shapes are
 * the server's own types (server/domain/site-power/types.ts, types only: the import is erased from the bundle).
 */
import { request } from './client.ts';
import type { DeviceReporting, PowerChain, SitePowerSummary as SitePower } from '../../../server/domain/site-power/types.ts';

export type {
  ChainColumn, ChainLink, ChainNode, Coverage, DeviceReport, DeviceReporting, ItBasis, PowerChain, PowerFigure, PowerFlag, ReadingJson,
  SitePowerSummary as SitePower, UpsPoints, UpsStatus, UtilityBasis,
} from '../../../server/domain/site-power/types.ts';

/** The chain's columns, left to right. */
export { CHAIN_COLUMNS } from '../../../server/domain/site-power/types.ts';

export const overviewApi = {
  sitePower: (site: string | undefined, signal?: AbortSignal) =>
    request<SitePower>('GET', '/overview/power', { query: { site }, signal }),
  deviceReporting: (site: string | undefined, signal?: AbortSignal) =>
    request<DeviceReporting>('GET', '/overview/devices', { query: { site }, signal }),
  powerChain: (site: string | undefined, signal?: AbortSignal) =>
    request<PowerChain>('GET', '/power-chain', { query: { site }, signal }),
};
