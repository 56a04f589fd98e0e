export * from './redis';
export * from './env';
export * from './log';
export * from './shutdown';
export * from './redis-server';
export * from './seeded-random';
export * from './http-limits';
export * from './parent-link';
