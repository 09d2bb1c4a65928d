#!/usr/bin/env node
import { runCommandLine } from './run.js';

await runCommandLine();
