export * from './context.ts';
export * from './errors.ts';
export * from './gate.ts';
export * from './push.ts';
export * from './router.ts';
export * from './server.ts';
