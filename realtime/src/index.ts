export { startRealtime, type RealtimeNode } from './server';
export { RealtimeEnv, type RealtimeOptions } from './options';
export { resolveSubscription } from './subscriptions';
export { PrivateEmitter } from './private-emitter';
