export * from './errors';
export * from './decimal';
export * from './symbols';
export * from './keys';
export * from './rest';
export * from './realtime';
export * from './stream';
export * from './outcomes';
