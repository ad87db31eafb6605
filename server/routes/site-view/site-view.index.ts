import { createRouter } from '../../lib/create-router.ts';
import * as h from './site-view.handlers.ts';
import * as r from './site-view.routes.ts';

export const siteViewRouter = createRouter()
  .openapi(r.floorRoute, h.handleFloor as any);
