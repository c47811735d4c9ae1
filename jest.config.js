/** Unit specs sit beside the code; end-to-end specs run the real app against real Redis. */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };

module.exports = {
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/src', '<rootDir>/test'],
      testMatch: ['**/*.spec.ts'],
      transform,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/e2e'],
      testMatch: ['**/*.e2e-spec.ts'],
      transform,
    },
    // The Helm chart, rendered by the real helm binary (fetched into .tools/ on first use).
    {
      displayName: 'chart',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/chart'],
      testMatch: ['**/*.chart-spec.ts'],
      transform,
    },
  ],
};
