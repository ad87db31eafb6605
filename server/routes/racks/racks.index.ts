import { createRouter } from '../../lib/create-router.ts';
import * as h from './racks.handlers.ts';
import * as r from './racks.routes.ts';

export const racksRouter = createRouter()
  .openapi(r.listRacksRoute, h.handleListRacks as any)
  .openapi(r.rackElevationRoute, h.handleRackElevation as any);
