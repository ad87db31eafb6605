import { createRoute } from '@hono/zod-openapi';
import { ingestBatch, ingestResult } from '../../contracts/ingest.ts';
import { errorBody, errorResponses } from '../../lib/errors.ts';
import { requireRole } from '../../middlewares/auth.ts';

export const postIngest = createRoute({
  method: 'post', path: '/api/v1/ingest', tags: ['ingest'],
  summary: 'Store a collector batch (idempotent by batchId; acknowledged only after commit)',
  description: 'A batch is all-or-nothing: if any field is invalid the whole batch is rejected with 400 and '
    + 'nothing is written; `error.details.issues` names every bad field. A replayed batchId is acknowledged '
    + 'with `duplicate: true` and writes nothing.',
  middleware: [requireRole('collector')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: ingestBatch } } } },
  responses: {
    200: { description: 'Committed', content: { 'application/json': { schema: ingestResult } } },
    ...errorResponses,
    413: { description: 'Body too large', content: { 'application/json': { schema: errorBody } } },
  },
});
