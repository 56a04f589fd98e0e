import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './paths';

/** The http-level fragment shared with docker-compose (upstreams + server). */
export const SITE_TEMPLATE = resolve(REPO_ROOT, 'infra/nginx/xtrader.conf.template');
/** The main nginx.conf wrapper used by the no-Docker launcher only. */
export const MAIN_TEMPLATE = resolve(REPO_ROOT, 'infra/nginx/nginx.conf.template');

/**
 * Replaces `${XT_...}` placeholders the way the nginx image's envsubst does for defined
 * variables; an undefined one is an error here (a silently empty upstream would be worse).
 */
export function renderTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\$\{(XT_[A-Z0-9_]+)\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`nginx template variable ${name} is not set`);
    return value;
  });
}

/** `server host:port ...;` lines of an upstream block. */
export function upstreamServers(urls: string[]): string {
  return urls.map((u) => `server ${new URL(u).host} max_fails=1 fail_timeout=3s;`).join('\n    ');
}

/** nginx's abuse bounds (the template's XT_NGINX_* variables; compose sets the same values). */
export interface NginxLimits {
  /** Open /ws and /socket.io connections per client address (`XT_NGINX_CONN_PER_ADDRESS`). */
  connPerAddress: number;
  /** Open /ws and /socket.io connections in all (`XT_NGINX_CONN_TOTAL`). */
  connTotal: number;
  /** Orders and cancels (POST, DELETE) per client address per second (`XT_NGINX_WRITE_RATE`). */
  writeRate: number;
  /** How many of those may come at once above the rate before 429 (`XT_NGINX_WRITE_BURST`). */
  writeBurst: number;
}

export const DEFAULT_NGINX_LIMITS: NginxLimits = { connPerAddress: 100, connTotal: 20_000, writeRate: 2_000, writeBurst: 2_000 };

/** The limits' template variables, from `limits` over the defaults. */
export function nginxLimitVars(limits: Partial<NginxLimits> = {}): Record<string, string> {
  const l = { ...DEFAULT_NGINX_LIMITS, ...limits };
  return {
    XT_NGINX_CONN_PER_ADDRESS: String(l.connPerAddress),
    XT_NGINX_CONN_TOTAL: String(l.connTotal),
    XT_NGINX_WRITE_RATE: String(l.writeRate),
    XT_NGINX_WRITE_BURST: String(l.writeBurst),
  };
}

/** Limits set in the environment (`XT_NGINX_CONN_PER_ADDRESS` ...), for `npm run cluster`. */
export function nginxLimitsFromEnv(env: NodeJS.ProcessEnv): Partial<NginxLimits> {
  const out: Partial<NginxLimits> = {};
  const names: [keyof NginxLimits, string][] = [
    ['connPerAddress', 'XT_NGINX_CONN_PER_ADDRESS'],
    ['connTotal', 'XT_NGINX_CONN_TOTAL'],
    ['writeRate', 'XT_NGINX_WRITE_RATE'],
    ['writeBurst', 'XT_NGINX_WRITE_BURST'],
  ];
  for (const [key, name] of names) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name}=${raw} must be a whole number of at least 1`);
    out[key] = n;
  }
  return out;
}

export interface NginxConfigOptions {
  /** Directory for the generated config, pid, logs and temp files. */
  dir: string;
  port: number;
  apiUrls: string[];
  realtimeUrls: string[];
  /** nginx worker processes (default 1: this is a 2-core box shared with the nodes). */
  workers?: number | 'auto';
  limits?: Partial<NginxLimits>;
}

/** Writes `xtrader.conf` and `nginx.conf` into `dir`; returns the path of nginx.conf. */
export function writeNginxConfig(opts: NginxConfigOptions): string {
  mkdirSync(join(opts.dir, 'tmp'), { recursive: true });
  const vars = {
    XT_NGINX_PORT: `127.0.0.1:${opts.port}`,
    XT_API_SERVERS: upstreamServers(opts.apiUrls),
    XT_REALTIME_SERVERS: upstreamServers(opts.realtimeUrls),
    XT_NGINX_DIR: opts.dir,
    XT_NGINX_WORKERS: String(opts.workers ?? 1),
    ...nginxLimitVars(opts.limits),
  };
  writeFileSync(join(opts.dir, 'xtrader.conf'), renderTemplate(readFileSync(SITE_TEMPLATE, 'utf8'), vars));
  const main = join(opts.dir, 'nginx.conf');
  writeFileSync(main, renderTemplate(readFileSync(MAIN_TEMPLATE, 'utf8'), vars));
  return main;
}

/** The nginx binary on PATH or in /usr/sbin, or undefined. */
export function findNginx(): string | undefined {
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  return existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : undefined;
}

/**
 * Finds nginx, installing the Debian package (`nginx-light`, else `nginx`) with apt-get when it
 * is missing and we are root; otherwise throws with the command to run.
 */
export function ensureNginx(log: (msg: string) => void = console.error): string {
  const found = findNginx();
  if (found) return found;
  const hint = 'nginx is not installed: run `sudo apt-get install -y nginx-light` (Debian/Ubuntu) and try again';
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) throw new Error(hint);
  log('nginx is missing: installing the Debian package nginx-light with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'nginx-light'], { stdio: 'inherit', env });
  } catch {
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    try {
      execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'nginx-light'], { stdio: 'inherit', env });
    } catch {
      execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'nginx'], { stdio: 'inherit', env });
    }
  }
  const installed = findNginx();
  if (!installed) throw new Error(hint);
  return installed;
}

/** Checks a generated config with `nginx -t` and throws nginx's own message if it is wrong. */
export function testNginxConfig(binary: string, confFile: string, dir: string): void {
  const res = spawnSync(binary, ['-t', '-q', '-p', dir, '-c', confFile], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`nginx rejected ${confFile}:\n${res.stderr}`);
}
