/** Node-only parts of the contract (file system access); the browser imports `@xtrader/protocol`. */
export * from './src/config-file';
export * from './src/signing';
