import { Injectable, type NestMiddleware } from '@nestjs/common';
import { raw, type NextFunction, type Request, type Response } from 'express';

/** Slack's events are small; anything larger is not from Slack. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/**
 * Keeps the exact bytes Slack signed. Errors are answered here because Express would otherwise turn
 * a body-parser error into its own HTML page.
 */
@Injectable()
export class RawBodyMiddleware implements NestMiddleware {
  private readonly parse = raw({ type: () => true, limit: MAX_WEBHOOK_BODY_BYTES });

  use(request: Request, response: Response, next: NextFunction): void {
    this.parse(request, response, (error?: unknown) => {
      if (error === undefined || error === null) {
        if (!Buffer.isBuffer(request.body)) request.body = Buffer.alloc(0);
        next();
        return;
      }
      const tooLarge = (error as { type?: string }).type === 'entity.too.large';
      const statusCode = tooLarge ? 413 : 400;
      const message = tooLarge ? 'the body is larger than 1 MiB' : 'the body could not be read';
      response.status(statusCode).json({ statusCode, message });
    });
  }
}
