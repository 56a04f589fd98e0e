import { resolve } from 'node:path';

/** The repository root (infra/src/.. /..): every child process runs from here. */
export const REPO_ROOT = resolve(__dirname, '../..');

/** Entry points of the processes the launchers start, relative to {@link REPO_ROOT}. */
export const ENTRY = {
  engine: 'engine/src/main.ts',
  api: 'api/src/main.ts',
  realtime: 'realtime/src/main.ts',
  ledger: 'ledger/src/main.ts',
  demoBot: 'infra/src/demo-bot.ts',
} as const;

/** Where `npm start` and `npm run cluster` keep Redis data and logs: XT_DATA_DIR, else `.data` (gitignored). */
export const DATA_DIR = resolve(REPO_ROOT, process.env.XT_DATA_DIR || '.data');
