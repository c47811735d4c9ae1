import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type InProcessAgentSide, startAgentSide } from '../../test/agent-side';
import { AgentClient } from './agent-client';

describe('the agent side answers bad requests with an error, and keeps serving', () => {
  const root = mkdtempSync(join(tmpdir(), 'orchestrator-agent-server-'));
  let side: InProcessAgentSide;
  beforeAll(async () => {
    side = await startAgentSide(root);
  });
  afterAll(async () => {
    await side.close();
    rmSync(root, { recursive: true, force: true });
  });

  const place = { botId: 'backend', workingDirectory: root };

  it('refuses a run whose working directory is not absolute', async () => {
    const run = side.client.start(
      { botId: 'backend', command: 'true', args: [], cwd: 'relative', env: {}, stdin: '' },
      () => undefined,
      () => undefined,
    );
    await expect(run.exited).rejects.toThrow('cwd must be an absolute path');
  });

  it('refuses a transcript named by anything but a session id', async () => {
    await expect(side.client.transcriptSize(place, '../../../etc/passwd')).rejects.toThrow('not a Claude session id');
  });

  it('drops a connection that sends something other than JSON lines', async () => {
    const socket = connect(side.client.socketPath);
    socket.end('this is not a frame\n');
    await new Promise((resolve) => socket.once('close', resolve));
    await expect(side.client.hello([place])).resolves.toEqual({ uid: process.getuid?.(), problems: [] });
  });

  it('talks only to a socket itself, never through a link the agent could have put in its place', async () => {
    const link = join(root, 'link.sock');
    symlinkSync(side.client.socketPath, link);
    await expect(new AgentClient(link).hello([])).rejects.toThrow('no answer to hello');
    await expect(side.client.hello([])).resolves.toMatchObject({ problems: [] });
  });

  it('says which working directory it cannot use', async () => {
    const { problems } = await side.client.hello([{ botId: 'ghost', workingDirectory: join(root, 'missing') }]);
    expect(problems).toEqual([
      `bot "ghost": workingDirectory ${join(root, 'missing')} is not a folder the agent can write`,
    ]);
  });
});
