import 'reflect-metadata';

/**
 * One entry point for every role. The agent side (`runner`) loads none of the service's modules: it
 * starts fast, stays small, and holds nothing it was not handed.
 */
async function main(): Promise<void> {
  if (process.env.PROCESS_ROLE === 'runner') {
    const { runAgentSide } = await import('./agent/runner.main');
    return runAgentSide(process.env);
  }
  const { bootstrap } = await import('./service.main');
  return bootstrap(process.env);
}

void main();
