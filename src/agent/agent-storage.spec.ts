import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { configDirOf, jobFilesDirOf, transcriptPath } from './agent-paths';
import { AgentStorage } from './agent-storage';

const DAY_SECONDS = 24 * 3600;

describe('AgentStorage', () => {
  const root = mkdtempSync(join(tmpdir(), 'orchestrator-agent-storage-'));
  const layout = { root };
  const storage = new AgentStorage(layout);
  const place = { botId: 'backend', workingDirectory: join(root, 'repo') };
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A file whose last change was `ageSeconds` ago. */
  const fileAged = (path: string, ageSeconds: number): string => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '{}\n');
    const then = (Date.now() - ageSeconds * 1000) / 1000;
    utimesSync(path, then, then);
    return path;
  };

  it('deletes transcripts past the session TTL and keeps the ones a thread may still resume', async () => {
    const configDir = configDirOf(layout, place.botId);
    const expired = fileAged(transcriptPath(configDir, place.workingDirectory, randomUUID()), 8 * DAY_SECONDS);
    const sideFolder = expired.replace(/\.jsonl$/, '');
    mkdirSync(sideFolder);
    const fresh = fileAged(transcriptPath(configDir, place.workingDirectory, randomUUID()), DAY_SECONDS);
    const settings = fileAged(join(configDir, 'settings.json'), 30 * DAY_SECONDS);

    await expect(storage.prune(7 * DAY_SECONDS)).resolves.toBe(1);

    expect([expired, sideFolder, fresh, settings].map((path) => existsSync(path))).toEqual([false, false, true, true]);
  });

  it('deletes job folders a lost worker left behind for a day', async () => {
    const left = fileAged(join(jobFilesDirOf(layout, 'job-left-behind'), 'a.txt'), 2 * DAY_SECONDS);
    utimesSync(
      dirname(dirname(left)),
      new Date(Date.now() - 2 * DAY_SECONDS * 1000),
      new Date(Date.now() - 2 * DAY_SECONDS * 1000),
    );
    const current = await storage.putJobFile('job-running-now', 'b.txt', Buffer.from('b'));

    await storage.prune(7 * DAY_SECONDS);

    expect([existsSync(dirname(dirname(left))), existsSync(current)]).toEqual([false, true]);
  });

  it('keeps job files in the job folder only, under names it made safe', async () => {
    await expect(storage.putJobFile('job-1', '../escape.txt', Buffer.from('x'))).rejects.toThrow(
      'not a safe file name',
    );
    await expect(storage.putJobFile('../job', 'a.txt', Buffer.from('x'))).rejects.toThrow('cannot name a folder');
    await expect(storage.findTranscript(place, '../../etc/passwd')).rejects.toThrow('not a Claude session id');
  });
});
