import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO_ROOT } from './paths';

/** The environment file shared by docker-compose and the launchers. */
export const SHARED_ENV_FILE = resolve(REPO_ROOT, 'infra/xtrader.env');

/**
 * Parses a docker-compose style env file: `KEY=VALUE` lines, `#` comments, blank lines; values
 * are taken literally (no quotes or expansion, as compose does for unquoted values).
 */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`bad env file line: ${raw}`);
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** The shared settings, or {} when the file is missing. */
export function readSharedEnv(file: string = SHARED_ENV_FILE): Record<string, string> {
  try {
    return parseEnvFile(readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
}
