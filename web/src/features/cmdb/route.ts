/** The CMDB area's links, from the app's one router (web/src/shell/route.ts). */
import { currentRoute, href, parseRoute, type AppRoute } from '../../shell/route.ts';

export { currentRoute, parseRoute, type AppRoute };
export const UPS_HREF = href.ups();
export const CMDB_HREF = href.cmdb();
export const ciHref = href.ci;
