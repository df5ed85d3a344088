/** The `--help` text of the CLI. */
export const USAGE = `shiftguard: detect and attribute telemetry shifts after a fleet upgrade

Usage:
  shiftguard analyze --upgrade U.json (--metrics F.om ... | --prometheus URL)
                     [--config C.yaml] [--format json|table|markdown] [--out FILE] [--quiet]
  shiftguard serve [--config C.yaml]
  shiftguard demo [--out-dir DIR] [--format table|json|markdown] [--seed N]
  shiftguard upgrade diff --manifest M.json --inventory I.json
                     [--id ID] [--started-at RFC3339] [--out FILE]
  shiftguard --help | --version

analyze exit codes: 0 no regression, 3 regression found, 2 bad usage or input, 1 internal error.
Without --format, analyze prints a table on a terminal and JSON otherwise.
Progress goes to stderr; stdout carries only the report.
`;
