#!/usr/bin/env node
import { main } from './main.js';

// `kms-wrap ... | head`: output nobody reads any more is dropped, without a stack trace; the
// command finishes with its own exit code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
