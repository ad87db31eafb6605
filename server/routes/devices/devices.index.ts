import { listDevices } from '../../../db/queries/devices.ts';
import { createRouter } from '../../lib/create-router.ts';
import { listDevicesRoute } from './devices.routes.ts';

export const devicesRouter = createRouter().openapi(listDevicesRoute, async (c) => {
  const rows = await listDevices(c.get('deps').db);
  return c.json({ items: rows.map((d) => ({ ...d, createdAt: new Date(d.createdAt).toISOString() })) }, 200);
});
