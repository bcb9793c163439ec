#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (never a tool's own browser download).
# Install it when missing and when we can (root + apt-get); otherwise say why and carry on:
# the browser tests then fail with a clear message rather than being skipped.
set -u
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian chromium + chromium-driver for the browser tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
        || echo "WARNING: could not install chromium; browser tests will fail" >&2
else
    echo "WARNING: chromium/chromedriver not found and cannot be installed (need root + apt-get)" >&2
fi
exit 0
