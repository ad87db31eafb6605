import { createRouter } from '../../lib/create-router.ts';
import {
  handleDeleteTarget, handleGetConfig, handleListCollectors, handlePutTarget, handleRegister, handleReplaceTargets,
} from './collectors.handlers.ts';
import {
  deleteTargetRoute, getCollectorConfigRoute, listCollectorsRoute, putTargetRoute, registerCollectorRoute, replaceTargetsRoute,
} from './collectors.routes.ts';

export const collectorsRouter = createRouter()
  .openapi(registerCollectorRoute, handleRegister)
  .openapi(listCollectorsRoute, handleListCollectors)
  .openapi(getCollectorConfigRoute, handleGetConfig)
  .openapi(replaceTargetsRoute, handleReplaceTargets)
  .openapi(putTargetRoute, handlePutTarget)
  .openapi(deleteTargetRoute, handleDeleteTarget);
