import { Injectable } from '@nestjs/common';

/** A part of this process that readiness depends on; `problem` is undefined while it is up. */
export interface ReadinessPart {
  readonly name: string;
  problem(): Promise<string | undefined>;
}

/**
 * The parts that roles add to readiness (the worker loop, the agent side). Each registers itself,
 * so that health needs to know none of them.
 */
@Injectable()
export class ReadinessParts {
  private readonly parts: ReadinessPart[] = [];

  register(part: ReadinessPart): void {
    this.parts.push(part);
  }

  all(): readonly ReadinessPart[] {
    return this.parts;
  }
}
