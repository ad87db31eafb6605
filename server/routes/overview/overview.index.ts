import { createRouter } from '../../lib/create-router.ts';
import * as h from './overview.handlers.ts';
import * as r from './overview.routes.ts';

export const overviewRouter = createRouter()
  .openapi(r.sitePowerRoute, h.handleSitePower as any)
  .openapi(r.powerChainRoute, h.handlePowerChain as any)
  .openapi(r.deviceReportingRoute, h.handleDeviceReporting as any);
