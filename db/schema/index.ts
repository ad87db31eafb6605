export * from './core.ts';
export * from './auth.ts';
