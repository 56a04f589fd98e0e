export * from './credentials';
export { ShortCache } from './short-cache';
