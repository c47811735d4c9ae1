import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trustForGit } from './git-trust';

describe('trustForGit', () => {
  const home = mkdtempSync(join(tmpdir(), 'orchestrator-git-trust-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  const trusted = () =>
    execFileSync('git', ['config', '--file', join(home, '.gitconfig'), '--get-all', 'safe.directory'], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n');

  it("marks the bots' working directories safe for git, once each, keeping earlier ones", async () => {
    await trustForGit(home, ['/srv/repos/backend']);
    await trustForGit(home, ['/srv/repos/backend', '/srv/repos/web']);

    expect(trusted()).toEqual(['/srv/repos/backend', '/srv/repos/web']);
  });
});
