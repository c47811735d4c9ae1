import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { BotIdentityService } from './bots/bot-identity.service';
import { BotsConfigError } from './bots/bots.errors';
import { loadBots } from './bots/load-bots';
import { ConfigError } from './config/config.errors';
import { loadConfig } from './config/load-config';
import { runsJobs } from './config/config.types';
import { AgentConfigError, planAgents } from './agent/agent-plan';

/** The service's roles (`all`, `api`, `worker`): the Nest application. */
export async function bootstrap(env: NodeJS.ProcessEnv): Promise<void> {
  let options;
  try {
    const config = loadConfig(env);
    const bots = loadBots(config);
    options = { config, bots, agents: runsJobs(config.role) ? planAgents(config, bots) : undefined };
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof BotsConfigError || error instanceof AgentConfigError)) {
      throw error;
    }
    process.stderr.write(`Configuration error: ${error.message}\n`);
    process.exit(1);
  }

  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRole(options), {
    bodyParser: false,
    bufferLogs: true,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  // Exit 0 once every hook has run: workers handed back, connections closed, logs flushed.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  app.get(BotIdentityService).onFatal((error) => {
    process.stderr.write(`Configuration error: ${error.message}\n`);
    logger.error(error.message);
    void app.close().finally(() => process.exit(1));
  });
  // A shutdown that hangs (Redis gone, a library stuck) must not outlive the orchestrator's grace period.
  const hardStopMs = (options.config.shutdownGraceSeconds + 15) * 1000;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        logger.error(`shutdown took longer than ${hardStopMs} ms; exiting`);
        process.exit(1);
      }, hardStopMs).unref();
    });
  }
  try {
    await app.listen(options.config.port);
  } catch (error) {
    if (!(error instanceof AgentConfigError)) throw error;
    process.stderr.write(`Configuration error: ${error.message}\n`);
    await app.close().catch(() => undefined);
    process.exit(1);
  }
  logger.log(`orchestrator ${options.config.version} listening on ${options.config.port} as ${options.config.role}`);
}
