/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    // Types are checked once by `tsc --noEmit` in `npm test`; ts-jest only transpiles, which keeps
    // the suite fast.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  testTimeout: 30000,
  collectCoverageFrom: ['src/**/*.ts'],
  setupFilesAfterEnv: ['<rootDir>/spec/setup/bytes-equality.ts'],
  globalSetup: '<rootDir>/spec/setup/preload-redis.js',
};
