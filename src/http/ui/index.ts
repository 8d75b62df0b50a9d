export * from './dashboard.ts';
export * from './login-throttle.ts';
export * from './static-assets.ts';
export * from './types.ts';
export * from './usage-history.ts';
export * from './adapters.ts';
