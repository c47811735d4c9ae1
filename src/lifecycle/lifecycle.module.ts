import { Global, Module } from '@nestjs/common';
import { ReadinessParts } from './readiness-parts';
import { ShutdownState } from './shutdown-state';

@Global()
@Module({ providers: [ShutdownState, ReadinessParts], exports: [ShutdownState, ReadinessParts] })
export class LifecycleModule {}
