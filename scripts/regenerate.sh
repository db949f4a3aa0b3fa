#!/usr/bin/env bash
# Regenerates completions/ and man/ from the CLI definition. Run after changing the
# CLI; the test `generated_files_match_the_cli` fails until you do.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bin ccfail
bin=target/debug/ccfail
mkdir -p completions man
rm -f man/*.1
"$bin" generate man --out man
"$bin" generate completions bash > completions/ccfail.bash
"$bin" generate completions zsh > completions/_ccfail
"$bin" generate completions fish > completions/ccfail.fish
"$bin" generate completions elvish > completions/ccfail.elv
"$bin" generate completions powershell > completions/_ccfail.ps1
echo "regenerated completions/ and man/"
