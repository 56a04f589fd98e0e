export * from './stack';
export type { StackProcess } from './managed-process';
export { httpOk } from './wait';
