import { createRouter } from '../../lib/create-router.ts';
import { requireRole } from '../../middlewares/auth.ts';
import { handleIngest } from './ingest.handlers.ts';
import { postIngest } from './ingest.routes.ts';

export const ingestRouter = createRouter();
// Described in OpenAPI from the zod contract; validated by the handler itself (size first, then the samples
// in one pass without a zod result per sample), so an oversized request is refused before it is read.
ingestRouter.openAPIRegistry.registerPath(postIngest);
ingestRouter.post(postIngest.path, requireRole('collector'), handleIngest);
