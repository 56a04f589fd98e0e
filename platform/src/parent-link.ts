import { spawnSync } from 'node:child_process';

/**
 * Children die with the process that started them, even when it is killed with SIGKILL and
 * cannot stop them. Node has no prctl(PR_SET_PDEATHSIG), so a Node child watches an inherited
 * pipe instead: the launcher holds the write end of the child's stdin and never writes to it;
 * when the launcher dies for any reason the kernel closes that end, the child reads end-of-file
 * and shuts down as on SIGTERM. A child that is not Node (redis-server, nginx) is started
 * through util-linux `setpriv --pdeathsig SIGTERM` where it exists, which sets the signal and
 * then execs the program (same pid, so signals to it still reach the program itself).
 */

/** Set in a Node child's environment when its stdin is the link to its parent. */
export const PARENT_LINK_ENV = 'XT_PARENT_LINK';

/**
 * Calls `onGone` once when the parent that set {@link PARENT_LINK_ENV} is gone. Does nothing in a
 * process started any other way (a terminal's stdin closing must not stop a server).
 */
export function onParentGone(onGone: () => void): void {
  if (process.env[PARENT_LINK_ENV] !== 'stdin') return;
  let called = false;
  const gone = () => {
    if (called) return;
    called = true;
    onGone();
  };
  const stdin = process.stdin;
  stdin.on('end', gone);
  stdin.on('close', gone);
  stdin.on('error', gone);
  stdin.on('data', () => {}); // the parent never writes; reading is only to see the end
  // The link never keeps the process alive on its own.
  (stdin as unknown as { unref?: () => void }).unref?.();
}

let setprivAvailable: boolean | undefined;

/** How to spawn `command` so that it dies with this process (see the module comment). */
export function linkedToParent(command: string, args: string[], env: NodeJS.ProcessEnv): { command: string; args: string[]; env: NodeJS.ProcessEnv; stdin: 'pipe' | 'ignore' } {
  if (command === process.execPath) return { command, args, env: { ...env, [PARENT_LINK_ENV]: 'stdin' }, stdin: 'pipe' };
  setprivAvailable ??= process.platform === 'linux' && spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!setprivAvailable) return { command, args, env, stdin: 'ignore' };
  return { command: 'setpriv', args: ['--pdeathsig', 'SIGTERM', '--', command, ...args], env, stdin: 'ignore' };
}
