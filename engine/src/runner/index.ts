export * from './commands';
export * from './lease';
export * from './metrics';
export * from './order-views';
export * from './symbol-state';
export * from './symbol-runner';
