import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import pretty from 'pino-pretty';
import type { BotConfig } from '../bots/bot.types';
import type { AppConfig } from '../config/config.types';
import { configuredSecrets, REDACTED, SecretScrubber } from './secret-scrubber';

const QUIET_PATHS = ['/health', '/health/live', '/health/ready', '/metrics'];

@Module({})
export class LoggingModule {
  /**
   * The scrubber is built once from every secret the process holds, so that none of them reaches a log
   * line; it is exported to every module, for what goes to Slack and Redis.
   */
  static forRoot(
    config: AppConfig,
    bots: readonly BotConfig[],
    destination: NodeJS.WritableStream = process.stdout,
  ): DynamicModule {
    const scrubber = new SecretScrubber(configuredSecrets(config, bots));
    const output = config.debug ? pretty({ destination, colorize: false, sync: true }) : destination;
    return {
      module: LoggingModule,
      global: true,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: [
            {
              level: config.logLevel,
              base: { app: config.appName, role: config.role },
              redact: {
                // Wildcard paths would clone every logged object; secret values are scrubbed line by line instead.
                paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-slack-signature"]'],
                censor: REDACTED,
              },
              autoLogging: { ignore: (request: IncomingMessage) => QUIET_PATHS.includes(request.url ?? '') },
              customSuccessMessage: (request, response, responseTime) =>
                `${request.method} ${request.url} ${response.statusCode} in ${responseTime} ms`,
            },
            scrubber.wrap(output),
          ],
        }),
      ],
      providers: [{ provide: SecretScrubber, useValue: scrubber }],
      exports: [SecretScrubber],
    };
  }
}
