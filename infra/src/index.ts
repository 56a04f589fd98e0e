export * from './stack';
export type { StackProcess } from './managed-process';
export { httpOk } from './wait';
export { ApiClient, ApiError, type ApiCredentials } from './api-client';
