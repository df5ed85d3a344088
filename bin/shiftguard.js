#!/usr/bin/env node
// Entry point of the `shiftguard` binary: runs the compiled CLI (built by `npm ci` via `prepare`).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
