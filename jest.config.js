/** One jest run for every server workspace; web is tested in a real browser (infra/test). */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // CCXT's CommonJS build requires these ESM-only packages, which jest's runtime cannot load as they are.
    '/node_modules/(@noble|@scure)/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@noble|@scure)/)'],
  testMatch: ['<rootDir>/*/test/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/web/'],
  // `npm run build`'s compiled tree: its package.json files and modules are no sources of jest's.
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  testTimeout: 60000,
  // Only a guard: green runs end on their own (`npx jest --forceExit=false` exits when done, and
  // --detectOpenHandles finds nothing per workspace), but a suite that fails half-way can leave a
  // child process's pipes open, and CI must still finish. Jest prints its "Force exiting" notice
  // whenever this is set.
  forceExit: true,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
