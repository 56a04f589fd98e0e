import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Whether this module itself runs compiled (`npm run build` puts it at dist/infra/src/paths.js,
 * one directory deeper than its source).
 */
const SELF_COMPILED = __filename.endsWith('.js');

/** The repository root (infra/src/../.., or dist/infra/src/../../..): every child process runs from here. */
export const REPO_ROOT = resolve(__dirname, SELF_COMPILED ? '../../..' : '../..');

/** Where `npm run build` writes the compiled tree, mirroring the repository. */
export const DIST_DIR = join(REPO_ROOT, 'dist');

/** Entry points of the processes the launchers start, relative to {@link REPO_ROOT}. */
export const ENTRY = {
  engine: 'engine/src/main.ts',
  api: 'api/src/main.ts',
  realtime: 'realtime/src/main.ts',
  ledger: 'ledger/src/main.ts',
  demoBot: 'infra/src/demo-bot.ts',
} as const;

/** The compiled file of an entry point (`api/src/main.ts` -> `dist/api/src/main.js`), relative to {@link REPO_ROOT}. */
export const compiledEntry = (entry: string) => `dist/${entry.replace(/\.ts$/, '.js')}`;

/**
 * Whether the launchers run the compiled processes (`node dist/...`) instead of the sources
 * through the tsx loader: XT_COMPILED=1, or the launcher itself runs compiled.
 */
export function runCompiled(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.XT_COMPILED;
  if (v === undefined || v === '') return SELF_COMPILED;
  if (v === '1') return true;
  if (v === '0') return false;
  throw new Error(`XT_COMPILED=${v}: 1 (run node dist/...) or 0 (run the sources through tsx)`);
}

/** node's arguments for an entry point: its compiled file, or the source under tsx. */
export function nodeArgs(entry: string, compiled: boolean, args: string[] = [], nodeFlags: string[] = []): string[] {
  return compiled ? [...nodeFlags, compiledEntry(entry), ...args] : [...nodeFlags, '--import', 'tsx', entry, ...args];
}

/** Throws unless `npm run build` has compiled every entry point (the launchers check before starting anything). */
export function assertCompiled(): void {
  const missing = Object.values(ENTRY).map(compiledEntry).filter((f) => !existsSync(join(REPO_ROOT, f)));
  if (missing.length > 0) throw new Error(`compiled processes asked for (XT_COMPILED / --compiled) but ${missing.join(', ')} missing: run npm run build first`);
}

/** Where `npm start` and `npm run cluster` keep Redis data and logs: XT_DATA_DIR, else `.data` (gitignored). */
export const DATA_DIR = resolve(REPO_ROOT, process.env.XT_DATA_DIR || '.data');
