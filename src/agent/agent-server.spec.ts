import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type InProcessAgentSide, startAgentSide } from '../../test/agent-side';

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

  it('says which working directory it cannot use', async () => {
    const { problems } = await side.client.hello([{ botId: 'ghost', workingDirectory: join(root, 'missing') }]);
    expect(problems).toEqual([
      `bot "ghost": workingDirectory ${join(root, 'missing')} is not a folder the agent can write`,
    ]);
  });
});
