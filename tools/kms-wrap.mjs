#!/usr/bin/env node
// `pnpm kms-wrap ...` from a checkout. pnpm runs a script in the repository's root, but the user
// typed the command somewhere else, and its relative paths (and the files it writes) belong
// there: pnpm passes that directory as INIT_CWD. Then the command as built (pnpm build).
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
await import('../packages/cli/dist/bin.js');
