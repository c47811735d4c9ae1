import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';

/** The OS identity a bot's CLI runs as, resolved once at start-up. */
export interface AgentIdentity {
  readonly uid: number;
  readonly gid: number;
  /** The user's home from the user database, when it names a folder that exists. */
  readonly home?: string;
  /** How the operator named it, for messages. */
  readonly label: string;
}

const NUMERIC = /^(\d+)(?::(\d+))?$/;
const USER_NAME = /^[a-z_][a-z0-9_.-]{0,31}\$?$/i;
const CAP_SETGID = 6n;
const CAP_SETUID = 7n;

/**
 * Resolves `AGENT_USER` or a bot's `runAs`: a user name, `uid` or `uid:gid`. A name or a bare uid takes
 * its group and home from the user database; a bare uid it does not know runs with the same gid.
 * Throws a message naming `source` when the value cannot be resolved.
 */
export function resolveAgentIdentity(spec: string, source: string): AgentIdentity {
  const numeric = NUMERIC.exec(spec);
  if (numeric) {
    const uid = Number(numeric[1]);
    const entry = lookupUser(String(uid));
    const gid = numeric[2] === undefined ? (entry?.gid ?? uid) : Number(numeric[2]);
    return withHome({ uid, gid, label: spec }, entry?.home);
  }
  if (!USER_NAME.test(spec)) throw new Error(`${source} must be a user name, uid or uid:gid (got "${spec}")`);
  const entry = lookupUser(spec);
  if (!entry) throw new Error(`${source}: no user "${spec}" on this machine`);
  return withHome({ uid: entry.uid, gid: entry.gid, label: spec }, entry.home);
}

/** Whether this process may start others as another user: root, or CAP_SETUID and CAP_SETGID. */
export function canSwitchIdentity(): boolean {
  if (process.getuid?.() === 0) return true;
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    if (effective === undefined) return false;
    const caps = BigInt(`0x${effective}`);
    return ((caps >> CAP_SETUID) & 1n) === 1n && ((caps >> CAP_SETGID) & 1n) === 1n;
  } catch {
    // No /proc (not Linux): only root can switch, and we are not root.
    return false;
  }
}

/** Whether `identity` may do `test -<flag>` on `path`: asked of the kernel, as that identity. */
export function identityCan(identity: AgentIdentity, flag: 'r' | 'w', path: string): boolean {
  const result = spawnSync('test', [`-${flag}`, path], { uid: identity.uid, gid: identity.gid, stdio: 'ignore' });
  return result.status === 0;
}

export function sameIdentity(a: AgentIdentity, b: AgentIdentity): boolean {
  return a.uid === b.uid && a.gid === b.gid;
}

interface UserEntry {
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/** `getent passwd` asks every user database the machine is configured with, not only /etc/passwd. */
function lookupUser(key: string): UserEntry | undefined {
  const result = spawnSync('getent', ['passwd', key], { encoding: 'utf8' });
  const line = result.status === 0 ? result.stdout.split('\n')[0] : undefined;
  const fields = line?.split(':');
  if (fields === undefined || fields.length < 7) return undefined;
  return { uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] };
}

function withHome(identity: AgentIdentity, home: string | undefined): AgentIdentity {
  const exists =
    home !== undefined && home !== '' && (statSync(home, { throwIfNoEntry: false })?.isDirectory() ?? false);
  return exists ? { ...identity, home } : identity;
}
