import { type DynamicModule, Module } from '@nestjs/common';
import type { AgentPlan } from './agent-plan';
import { AgentPlanHolder, AgentSupervisor } from './agent-supervisor';

/** The worker's link to the agent sides, for the roles that run jobs. */
@Module({})
export class AgentModule {
  static forRoot(plan: AgentPlan): DynamicModule {
    return {
      module: AgentModule,
      global: true,
      providers: [{ provide: AgentPlanHolder, useValue: { plan } }, AgentSupervisor],
      exports: [AgentSupervisor],
    };
  }
}
