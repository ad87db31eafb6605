import { bodyLimit } from 'hono/body-limit';
import { INGEST_LIMITS } from '../../contracts/ingest.ts';
import { createRouter, validationHook } from '../../lib/create-router.ts';
import { errorJson } from '../../lib/errors.ts';
import { handleIngest } from './ingest.handlers.ts';
import { postIngest } from './ingest.routes.ts';

export const ingestRouter = createRouter();
ingestRouter.use('/api/v1/ingest', bodyLimit({
  maxSize: INGEST_LIMITS.maxBodyBytes,
  onError: (c) => errorJson(c, 413, 'payload_too_large',
    `request body exceeds ${INGEST_LIMITS.maxBodyBytes} bytes; send at most ${INGEST_LIMITS.maxSamples} samples per batch`),
}));
ingestRouter.openapi(postIngest, handleIngest, (result, c) => {
  if (!result.success) c.get('deps').metrics.ingestRejectedBatches++;
  return validationHook(result, c);
});
