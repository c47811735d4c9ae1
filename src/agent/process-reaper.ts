import { readdirSync, readFileSync } from 'node:fs';

interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly uid: number;
}

/** A process that forks as fast as it is killed is chased this many rounds at most. */
const MAX_ROUNDS = 20;

/**
 * Ends every process of `uid` that does not belong to a run still going: not this process, not its
 * ancestors, and not under any of `activeRoots` (the CLIs of the other runs). A process the agent
 * detached with `setsid` or a double fork has left its run's process group and parent, but not its uid:
 * this finds it. Only for an identity that belongs to the agent alone. Returns how many it ended.
 */
export function reapStrays(uid: number, activeRoots: Iterable<number>): number {
  let ended = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const processes = listProcesses();
    const spared = sparedPids(processes, activeRoots);
    const victims = processes.filter((info) => info.uid === uid && !spared.has(info.pid));
    if (victims.length === 0) break;
    for (const victim of victims) {
      try {
        process.kill(victim.pid, 'SIGKILL');
        ended += 1;
      } catch {
        // Gone already, or not ours to signal: either way nothing more can be done for it.
      }
    }
  }
  return ended;
}

function sparedPids(processes: readonly ProcessInfo[], activeRoots: Iterable<number>): Set<number> {
  const byPid = new Map(processes.map((info) => [info.pid, info]));
  const spared = new Set<number>();
  for (let pid: number | undefined = process.pid; pid !== undefined && !spared.has(pid); pid = byPid.get(pid)?.ppid) {
    spared.add(pid);
  }
  const children = new Map<number, number[]>();
  for (const info of processes) children.set(info.ppid, [...(children.get(info.ppid) ?? []), info.pid]);
  const queue = [...activeRoots];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    if (spared.has(pid) && pid !== process.pid) continue;
    spared.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return spared;
}

/** Living processes from /proc; zombies are dead already and cannot be signalled away. */
function listProcesses(): ProcessInfo[] {
  const processes: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let status: string;
    try {
      status = readFileSync(`/proc/${name}/status`, 'utf8');
    } catch {
      continue;
    }
    if (/^State:\s*Z/m.test(status)) continue;
    const ppid = Number(/^PPid:\s*(\d+)/m.exec(status)?.[1]);
    const uid = Number(/^Uid:\s*(\d+)/m.exec(status)?.[1]);
    if (Number.isInteger(ppid) && Number.isInteger(uid)) processes.push({ pid: Number(name), ppid, uid });
  }
  return processes;
}
