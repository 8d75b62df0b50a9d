export * from './authenticator.ts';
export * from './sqlite-store.ts';
export * from './tokens.ts';
export * from './types.ts';
export * from './sessions.ts';
export * from './sessions-sqlite.ts';
export * from './users.ts';
export * from './users-sqlite.ts';
