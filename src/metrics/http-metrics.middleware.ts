import { Injectable, type NestMiddleware } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { NextFunction, Request, Response } from 'express';
import type { Histogram } from 'prom-client';
import { METRIC } from './metrics.constants';

/** Times every HTTP request by its route pattern (never the raw path, which could carry ids). */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(
    @InjectMetric(METRIC.httpDuration) private readonly histogram: Histogram<'method' | 'route' | 'status_code'>,
  ) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const stop = this.histogram.startTimer();
    response.once('finish', () => {
      const route = (request.route as { path?: string } | undefined)?.path;
      stop({
        method: request.method,
        route: route === undefined ? 'unmatched' : `${request.baseUrl}${route}`,
        status_code: String(response.statusCode),
      });
    });
    next();
  }
}
