// Preloaded (node --require) by memory-bench.mjs into the process it measures: at exit, the
// process's peak resident set (all its threads) on stderr, for the bench to read.
'use strict';
process.on('exit', () => {
  process.stderr.write(`kms-wrap-bench max-rss-kb ${process.resourceUsage().maxRSS}\n`);
});
