#!/usr/bin/env bash
# Regenerates completions/ and man/ from the CLI definition, the exit table and the
# config reference (src/config/reference.rs). Run after changing any of them; the test
# `generated_files_match_the_cli` fails until you do. No hand edits are needed: pages of
# commands that no longer exist are removed, new commands get their page.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --locked --bin ccfail
bin=${CARGO_TARGET_DIR:-target}/debug/ccfail
mkdir -p completions man
"$bin" generate man --out man
"$bin" completions bash > completions/ccfail.bash
"$bin" completions zsh > completions/_ccfail
"$bin" completions fish > completions/ccfail.fish
"$bin" completions elvish > completions/ccfail.elv
"$bin" completions powershell > completions/_ccfail.ps1
echo "regenerated completions/ and man/"
