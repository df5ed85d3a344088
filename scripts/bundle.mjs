// Bundles the compiled CLI (dist/cli/main.js, from tsc) into dist/bundle/ with esbuild: one ESM
// entry plus a chunk per lazily loaded command. Loading a few files instead of ~500 small modules
// (the @stdlib distribution packages alone are 419) cuts the CLI's start-up by about 0.2 s, a
// visible share of a one-shot `analyze` (see test/bench/README.md).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry content hashes: without a clean start, every build would leave the old ones.
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  // The analysis worker is an entry of its own: `serve` starts it by path (src/analysis/analysis-thread.ts).
  entryPoints: [
    { in: 'dist/cli/main.js', out: 'main' },
    { in: 'dist/analysis/analysis-worker.js', out: 'analysis-worker' },
  ],
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // Native addons (and pg's optional native binding) load from node_modules at run time.
  // The OpenTelemetry Node SDK is loaded only when OTEL_* variables ask for traces.
  external: ['better-sqlite3', 'snappy', 'pg-native', '@opentelemetry/sdk-node', '@opentelemetry/resources'],
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __shiftguardRequire } from 'node:module'; const require = __shiftguardRequire(import.meta.url);" },
});
