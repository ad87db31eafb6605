import { createRoute } from '@hono/zod-openapi';
import { ingestBatch, ingestResult } from '../../contracts/ingest.ts';
import { errorBody, errorResponses } from '../../lib/errors.ts';
import { requireRole } from '../../middlewares/auth.ts';

export const postIngest = createRoute({
  method: 'post', path: '/api/v1/ingest', tags: ['ingest'],
  summary: 'Store a collector batch (idempotent by batchId; acknowledged only after commit)',
  description: 'A batch is all-or-nothing: if any field is invalid the whole batch is rejected with 400 and '
    + 'nothing is written; `error.details.issues` names every bad field. A replayed batchId is acknowledged '
    + 'with `duplicate: true` and writes nothing. Samples whose (point, ts) is already stored are ignored. When the '
    + 'database falls behind the server answers 503 with Retry-After instead of queueing without bound.',
  middleware: [requireRole('collector')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: ingestBatch } } } },
  responses: {
    200: { description: 'Committed', content: { 'application/json': { schema: ingestResult } } },
    ...errorResponses,
    413: { description: 'Body larger than 16 MiB (`payload_too_large`, refused before it is read) or more than 50,000 samples (`too_many_samples`)', content: { 'application/json': { schema: errorBody } } },
    503: {
      description: 'The database is behind (`overloaded`): nothing was written; retry the same batch after `Retry-After` seconds',
      headers: { 'Retry-After': { schema: { type: 'string' }, description: 'seconds to wait' } },
      content: { 'application/json': { schema: errorBody } },
    },
  },
});
