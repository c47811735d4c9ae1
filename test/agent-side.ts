import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { AgentClient } from '../src/agent/agent-client';
import { AgentServer } from '../src/agent/agent-server';
import { AgentStorage } from '../src/agent/agent-storage';
import type { AgentSupervisor } from '../src/agent/agent-supervisor';

export interface InProcessAgentSide {
  readonly client: AgentClient;
  /** Serves every bot from this one side, as the worker's supervisor would. */
  readonly supervisor: AgentSupervisor;
  close(): Promise<void>;
}

/** A real agent side (server, storage, socket) in this process, keeping its files under `root`. */
export async function startAgentSide(root: string): Promise<InProcessAgentSide> {
  const socketDir = mkdtempSync(join(tmpdir(), 'orchestrator-agent-test-'));
  const server = new AgentServer(
    { storage: new AgentStorage({ root }), home: root, dedicated: false, active: new Set() },
    pino({ level: 'silent' }),
  );
  const socketPath = join(socketDir, 'agent.sock');
  await server.listen(socketPath);
  const client = new AgentClient(socketPath);
  const supervisor = { forBot: () => client } as unknown as AgentSupervisor;
  return { client, supervisor, close: () => server.close() };
}
