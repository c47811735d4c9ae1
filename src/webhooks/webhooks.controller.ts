import { Controller, Headers, HttpCode, HttpException, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { type IncomingWebhook, type WebhookAnswer, WebhookService } from './webhook.service';
import { WebhookError } from './webhooks.errors';

type SlackHeaders = Record<string, string | undefined>;

@Controller('webhooks/slack')
export class WebhooksController {
  constructor(private readonly webhooks: WebhookService) {}

  @Post()
  @HttpCode(200)
  receive(@Req() request: Request, @Headers() headers: SlackHeaders): Promise<WebhookAnswer> {
    return this.answer(signed(request, headers));
  }

  @Post(':botId')
  @HttpCode(200)
  receiveFor(
    @Param('botId') botId: string,
    @Req() request: Request,
    @Headers() headers: SlackHeaders,
  ): Promise<WebhookAnswer> {
    return this.answer({ ...signed(request, headers), botId });
  }

  private async answer(webhook: IncomingWebhook): Promise<WebhookAnswer> {
    try {
      return await this.webhooks.receive(webhook);
    } catch (error) {
      throw toHttpException(error);
    }
  }
}

function signed(request: Request, headers: SlackHeaders): IncomingWebhook {
  return {
    timestamp: headers['x-slack-request-timestamp'],
    signature: headers['x-slack-signature'],
    rawBody: request.body as Buffer,
  };
}

function toHttpException(error: unknown): unknown {
  if (!(error instanceof WebhookError)) return error;
  return new HttpException({ statusCode: error.status, message: error.message }, error.status, { cause: error });
}
