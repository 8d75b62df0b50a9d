export * from './ingester.ts';
