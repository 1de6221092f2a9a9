#!/usr/bin/env bash
# Installs headless Chromium and its WebDriver (Debian packages `chromium`,
# `chromium-driver`) for the server's browser end-to-end tests
# (crates/paperdex-server/tests/browser.rs). Idempotent: does nothing when
# both commands are already on PATH.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-browser: apt-get not found; install chromium and chromedriver yourself" >&2
    exit 2
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y --no-install-recommends chromium chromium-driver
command -v chromedriver >/dev/null
