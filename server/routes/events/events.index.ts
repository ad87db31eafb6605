import { createRouter } from '../../lib/create-router.ts';
import { handleListEvents } from './events.handlers.ts';
import { listEventsRoute } from './events.routes.ts';

export const eventsRouter = createRouter().openapi(listEventsRoute, handleListEvents);
