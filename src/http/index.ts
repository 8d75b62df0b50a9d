export * from './context.ts';
export * from './errors.ts';
export * from './gate.ts';
export * from './push.ts';
export * from './router.ts';
export * from './server.ts';
export * from './otlp-handler.ts';
export * from './otlp-receiver.ts';
