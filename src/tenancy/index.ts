export * from './authenticator.ts';
export * from './sqlite-store.ts';
export * from './tokens.ts';
export * from './types.ts';
