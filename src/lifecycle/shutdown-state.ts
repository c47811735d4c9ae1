import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';

/**
 * Whether the process is shutting down. Readiness turns 503 the moment it is, so that the load
 * balancer stops sending traffic while running work drains.
 */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  private shuttingDown = false;

  /** Parts with long shutdown hooks call this first: hooks run one module after another. */
  begin(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  beforeApplicationShutdown(): void {
    this.begin();
  }
}
