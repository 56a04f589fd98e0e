export * from './stack';
export type { StackProcess } from './managed-process';
export { httpOk } from './wait';
export { ApiClient, ApiError, fundAccount, GENEROUS_FUNDS, type ApiCredentials, type Funding } from './api-client';
