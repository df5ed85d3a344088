/** The `--help` text of the CLI. */
export const USAGE = `shiftguard: detect and attribute telemetry shifts after a fleet upgrade

Usage:
  shiftguard analyze --upgrade U.json (--metrics F.om ... | --prometheus URL)
                     [--config C.yaml] [--format json|table|markdown] [--out FILE] [--quiet]
  shiftguard serve [--config C.yaml]
  shiftguard demo [--listen HOST:PORT] [--duration DUR] [--out-dir DIR] [--seed N]
  shiftguard demo --offline [--out-dir DIR] [--format table|json|markdown] [--seed N]
  shiftguard upgrade diff --manifest M.json --inventory I.json
                     [--id ID] [--started-at RFC3339] [--out FILE]
  shiftguard rollback --upgrade ID [--apply] [--url URL | --config C.yaml] [--format text|json]
  shiftguard token hash [--name NAME --role viewer|operator|ingest] < TOKEN
  shiftguard sim-client --unleash-url URL [--unleash-token T] [--shiftguard-url URL [--ingest-token T]]
                     [--rate N] [--instances N] [--upgrade-at MS|ISO|+DUR] [--upgrade-stagger DUR]
                     [--seed N] [--refresh-interval DUR] [--export-interval DUR] [--progress-interval DUR]
                     [--gate-flag F] [--tune-flag F] [--partner-url URL] [--partner-base-failure P]
                     [--partner-soon-failure P] [--partner-recovery DUR] [--partner-latency DUR]
                     [--v1-delay DUR] [--v1-max-retries N] [--unleash-timeout DUR] [--duration DUR]
  shiftguard --help | --version

analyze exit codes: 0 no regression, 3 regression found, 2 bad usage or input, 1 internal error.
Without --format, analyze prints a table on a terminal and JSON otherwise.
Progress goes to stderr; stdout carries only the report.
rollback previews (or with --apply carries out) the restore of every flag the tuner changed for an
upgrade, through the running service (token from SHIFTGUARD_OPERATOR_TOKEN, or SHIFTGUARD_VIEWER_TOKEN
for a preview); exit 3 when a flag is refused because someone else changed it since.
token hash reads a bearer token on stdin and prints its SHA-256 as a tokens-file line (server.tokensFile
holds digests, never tokens); with --name and --role, the whole entry.
sim-client simulates dten-sync's retry loop against a flaky partner, steered by Unleash flags, exporting
OTLP to shiftguard; tokens may come from env UNLEASH_CLIENT_TOKEN and SHIFTGUARD_INGEST_TOKEN.
`;
