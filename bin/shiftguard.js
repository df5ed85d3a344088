#!/usr/bin/env node
// Entry point of the `shiftguard` binary: runs the bundled CLI (built by `npm ci` via `prepare`).
import { main } from '../dist/bundle/main.js';

process.exitCode = await main(process.argv.slice(2));
