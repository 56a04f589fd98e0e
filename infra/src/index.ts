export * from './stack';
export type { StackProcess } from './managed-process';
export { waitFor, httpOk } from './wait';
