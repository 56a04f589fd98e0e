export * from './account-store';
export * from './authenticate';
export * from './redis-limit';
export * from './router';
export * from './config';
