/**
 * Typed client for the rack endpoints: summaries (GET /api/v1/racks) and one rack's elevation
 * (GET /api/v1/racks/{key}/elevation). The wire shapes are the server's own types
 * (server/domain/racks/types.ts, types only: the import is erased from the bundle).
 */
import { request } from './client.ts';
import type { RackElevation, RackSummary } from '../../../server/domain/racks/types.ts';
import type { ListResponse } from './types.ts';

export type {
  ElevationDevice, ElevationFeed, ElevationOutlet, ElevationPdu, ElevationPoint, InletPosition, RackElevation, RackPointLatest, RackSummary,
} from '../../../server/domain/racks/types.ts';

export interface RackScope {
  site?: string;
  room?: string;
  racks?: readonly string[];
}

export const racksApi = {
  summaries: (scope: RackScope, signal?: AbortSignal) =>
    request<ListResponse<RackSummary>>('GET', '/racks', {
      query: { site: scope.site, room: scope.room, racks: scope.racks?.length ? scope.racks.join(',') : undefined },
      signal,
    }),
  elevation: (rackKey: string, signal?: AbortSignal) =>
    request<RackElevation>('GET', `/racks/${encodeURIComponent(rackKey)}/elevation`, { signal }),
};
