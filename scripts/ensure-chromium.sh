#!/bin/sh
# `npm test` runs the browser tests in Debian's headless Chromium (playwright-core drives it; it never
# downloads a browser of its own). A fresh machine does not have it yet: install it from Debian's
# packages when we may (root, or sudo without a password); otherwise say what to do.
set -eu
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
  echo "The browser tests need Debian's chromium: run 'sudo apt-get install chromium' once, then 'npm test' again." >&2
  exit 1
fi
echo "Installing Debian's chromium for the browser tests (once)..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
chromium --version
