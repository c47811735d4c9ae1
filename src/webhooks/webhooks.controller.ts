import {
  BadRequestException,
  Controller,
  Headers,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Req,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { type IncomingWebhook, type WebhookAnswer, WebhookService } from './webhook.service';
import {
  BotNotReadyError,
  EventNotKeptError,
  InvalidEnvelopeError,
  InvalidSignatureError,
  UnknownBotError,
} from './webhooks.errors';

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
  const options = { cause: error };
  if (error instanceof InvalidSignatureError) return new UnauthorizedException(error.message, options);
  if (error instanceof UnknownBotError) return new NotFoundException(error.message, options);
  if (error instanceof InvalidEnvelopeError) return new BadRequestException(error.message, options);
  if (error instanceof BotNotReadyError || error instanceof EventNotKeptError) {
    return new ServiceUnavailableException(error.message, options);
  }
  return error;
}
