export * from './core.ts';
export * from './auth.ts';
export * from './events.ts';
export * from './collectors.ts';
export * from './rollups.ts';
export * from './cmdb.ts';
