#!/usr/bin/env bash
# Installs the real Claude Code client at pinned versions into a cache dir, one folder per
# version, and prints the path of each version's binary (one line per version, in order).
#
#   scripts/real-client/install.sh 2.1.197 2.1.332
#
# Cache: ${CCFAIL_REAL_CLIENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ccfail/claude-code}/VERSION.
# Idempotent: a version whose binary is already there and answers `--version` with that
# version is not installed again.
#
# How the package ships its binary (checked on 2.1.197 and 2.1.332): the `claude` bin of
# `@anthropic-ai/claude-code` is `bin/claude.exe`; the real native binary comes from the
# platform's optional dependency (`@anthropic-ai/claude-code-linux-x64`, `-linux-x64-musl`,
# `-linux-arm64`, ...) and the package's postinstall (`install.cjs`) puts it in place of the
# placeholder. We never trust the placeholder: after the install we look for the binary in
# the platform package and check it with `--version`, and publish it as `VERSION/claude`
# (a symlink), which is the path printed.
set -euo pipefail

if [ $# -eq 0 ]; then
    echo "usage: $0 VERSION..." >&2
    exit 2
fi

cache="${CCFAIL_REAL_CLIENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ccfail/claude-code}"
mkdir -p "$cache"

case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "install.sh: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
libc=""
if ldd --version 2>&1 | grep -qi musl; then libc="-musl"; fi
platform="linux-${arch}${libc}"

# Prints the version a binary reports ("2.1.197 (Claude Code)" -> "2.1.197"), or nothing.
reported_version() {
    # The client must not reach the network just to print its version.
    DISABLE_TELEMETRY=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 \
        timeout 30 "$1" --version 2>/dev/null | awk 'NR==1{print $1}'
}

install_one() {
    local version="$1" dir="$cache/$1" link
    link="$dir/claude"
    if [ -x "$link" ] && [ "$(reported_version "$link")" = "$version" ]; then
        echo "$link"
        return 0
    fi
    # A fresh prefix each time: a half-done install is never reused.
    local tmp
    tmp="$(mktemp -d "$cache/.install-$version.XXXXXX")"
    echo "install.sh: npm install @anthropic-ai/claude-code@$version into $dir" >&2
    if ! (cd "$tmp" && npm install --no-save --no-audit --no-fund --loglevel=error \
        --prefix "$tmp" "@anthropic-ai/claude-code@$version" >&2); then
        rm -rf "$tmp"
        echo "install.sh: npm install of @anthropic-ai/claude-code@$version failed (is the registry reachable?)" >&2
        return 1
    fi
    local candidates=(
        "$tmp/node_modules/@anthropic-ai/claude-code-$platform/claude"
        "$tmp/node_modules/@anthropic-ai/claude-code/node_modules/@anthropic-ai/claude-code-$platform/claude"
        "$tmp/node_modules/@anthropic-ai/claude-code/bin/claude.exe"
        "$tmp/node_modules/@anthropic-ai/claude-code/cli.js"
    )
    local found="" c
    for c in "${candidates[@]}"; do
        if [ -f "$c" ]; then
            chmod +x "$c" 2>/dev/null || true
            if [ "$(reported_version "$c")" = "$version" ]; then
                found="$c"
                break
            fi
        fi
    done
    if [ -z "$found" ]; then
        echo "install.sh: no working claude binary for $platform in $tmp (looked at: ${candidates[*]})" >&2
        rm -rf "$tmp"
        return 1
    fi
    rm -rf "$dir"
    mv "$tmp" "$dir"
    ln -sfn "${found#"$tmp"/}" "$link"
    # Resolve once more through the final path.
    if [ "$(reported_version "$link")" != "$version" ]; then
        echo "install.sh: $link does not report $version after the move" >&2
        return 1
    fi
    echo "$link"
}

status=0
for v in "$@"; do
    install_one "$v" || status=1
done
exit $status
