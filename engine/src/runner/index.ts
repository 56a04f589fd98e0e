export * from './commands';
export * from './commit-writer';
export * from './lease';
export * from './metrics';
export * from './order-records';
export * from './scripts';
export * from './symbol-state';
export * from './symbol-runner';
