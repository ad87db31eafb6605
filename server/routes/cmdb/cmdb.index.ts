import { createRouter } from '../../lib/create-router.ts';
import * as h from './cmdb.handlers.ts';
import * as r from './cmdb.routes.ts';

export const cmdbRouter = createRouter()
  .openapi(r.listCisRoute, h.handleListCis as any)
  .openapi(r.createCiRoute, h.handleCreateCi as any)
  .openapi(r.getCiRoute, h.handleGetCi as any)
  .openapi(r.patchCiRoute, h.handlePatchCi as any)
  .openapi(r.deleteCiRoute, h.handleDeleteCi as any)
  .openapi(r.historyRoute, h.handleHistory as any)
  .openapi(r.ciPointsRoute, h.handleCiPoints as any)
  .openapi(r.powerPathRoute, h.handlePowerPath as any)
  .openapi(r.impactRoute, h.handleImpact as any)
  .openapi(r.servicesRoute, h.handleServices as any)
  .openapi(r.createRelationRoute, h.handleCreateRelation as any)
  .openapi(r.deleteRelationRoute, h.handleDeleteRelation as any)
  .openapi(r.listModelsRoute, h.handleListModels as any)
  .openapi(r.putModelRoute, h.handlePutModel as any)
  .openapi(r.treeRoute, h.handleTree as any)
  .openapi(r.auditRoute, h.handleAudit as any)
  .openapi(r.importPlanRoute, h.handleImportPlan as any)
  .openapi(r.importNetboxRoute, h.handleImportNetbox as any)
  .openapi(r.importCsvRoute, h.handleImportCsv as any)
  .openapi(r.exportCsvRoute, h.handleExportCsv as any);
