// Runs the micro benchmark rows (Rows.swift) and prints "<id> <seconds per operation>" lines for
// run.sh, or, with `--mallocs` under the preloaded malloc interposer (mallocs.sh), mallocs per operation.
//
//   MicroBench [--mallocs] [id ...]
import MicroRunner

try runRows(rows)
