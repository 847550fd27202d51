#!/usr/bin/env bash
# Generates PushGuard's man page and shell completions from a built binary's command tree, so
# they always match its --help:
#   ./generate-docs.sh BINARY SHARE_DIR [ZSH_DIR]
# writes, in the layout of PREFIX/share:
#   SHARE_DIR/man/man1/pushguard.1                        (swift-argument-parser's generate-manual)
#   SHARE_DIR/man/man5/pushguard-config.5                 (docs/settings.md, the settings reference,
#                                                          through docs/settings-to-man.awk)
#   SHARE_DIR/bash-completion/completions/pushguard       (BINARY --generate-completion-script)
#   SHARE_DIR/ZSH_DIR/_pushguard                          (ZSH_DIR: zsh/site-functions, or
#                                                          zsh/vendor-completions for /usr/share)
#   SHARE_DIR/fish/vendor_completions.d/pushguard.fish
# The manual generator is built from the package's own checkout of swift-argument-parser: no
# network is needed once the package has been built.
set -euo pipefail

if [ $# -ne 2 ] && [ $# -ne 3 ]; then
  echo "usage: $0 BINARY SHARE_DIR [ZSH_DIR]" >&2
  exit 2
fi
binary=$(realpath "$1")
share=$(realpath -m "$2")
zsh=${3:-zsh/site-functions}
cd "$(dirname "$0")"

checkout=.build/checkouts/swift-argument-parser
[ -d "$checkout" ] || swift package resolve >/dev/null
tools=.build/generate-manual
swift build --package-path "$checkout" --scratch-path "$tools" --product generate-manual >/dev/null
generator="$(swift build --package-path "$checkout" --scratch-path "$tools" --show-bin-path)/generate-manual"

pages=$(mktemp -d)
trap 'rm -rf "$pages"' EXIT
"$generator" "$binary" --output-directory "$pages" >/dev/null
install -d "$share/man/man1" "$share/man/man5" "$share/bash-completion/completions" "$share/$zsh" \
  "$share/fish/vendor_completions.d"
install -m 0644 "$pages/pushguard.1" "$share/man/man1/pushguard.1"
awk -f docs/settings-to-man.awk docs/settings.md > "$pages/pushguard-config.5"
install -m 0644 "$pages/pushguard-config.5" "$share/man/man5/pushguard-config.5"
# Without the generator's #!/bin/bash line: bash-completion sources the file, never runs it.
"$binary" --generate-completion-script bash | sed '1{/^#!/d}' > "$share/bash-completion/completions/pushguard"
"$binary" --generate-completion-script zsh > "$share/$zsh/_pushguard"
"$binary" --generate-completion-script fish > "$share/fish/vendor_completions.d/pushguard.fish"
chmod 0644 "$share/bash-completion/completions/pushguard" "$share/$zsh/_pushguard" \
  "$share/fish/vendor_completions.d/pushguard.fish"
