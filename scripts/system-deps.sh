#!/usr/bin/env bash
# Install the Debian packages the full test suite needs, when they are missing.
#
#   gnome-keyring, dbus   the real Secret Service test (tests/integration/secrets/test_keyring.py
#                         runs gnome-keyring-daemon under dbus-run-session)
#   chromium              the browser end-to-end tests (tests/browser/test_browser.py drive it with
#                         Playwright against a real JupyterLab; never `playwright install`)
#
# Quiet and idempotent: does nothing when everything is present. Never fails the run: without
# apt-get, without root, or when apt fails (no network, lock held) it prints one line saying
# what is skipped and exits 0; the tests that need the package then skip with a reason.
# Usage: scripts/system-deps.sh        (called by scripts/test.sh)
set -u

# package -> a command it provides (what the tests look for)
PACKAGES=(gnome-keyring dbus chromium)
declare -A PROVIDES=(
    [gnome-keyring]=gnome-keyring-daemon [dbus]=dbus-run-session [chromium]=chromium
)

missing=()
for pkg in "${PACKAGES[@]}"; do
    command -v "${PROVIDES[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

skip() {
    echo "system-deps: skipped installing ${missing[*]} ($1); the tests that need them will skip" >&2
    exit 0
}

command -v apt-get >/dev/null 2>&1 || skip "no apt-get"
[ "$(id -u)" -eq 0 ] || skip "not root"

export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -q -y -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=120)
LIMIT=()
command -v timeout >/dev/null 2>&1 && LIMIT=(timeout 600)

install() {
    "${LIMIT[@]}" "${APT[@]}" install --no-install-recommends "${missing[@]}" >/dev/null 2>&1
}

echo "system-deps: installing ${missing[*]}" >&2
if ! install; then
    # Package lists may be missing or stale (fresh container): refresh once and retry.
    "${LIMIT[@]}" "${APT[@]}" update >/dev/null 2>&1 || skip "apt-get update failed"
    install || skip "apt-get install failed"
fi
for pkg in "${missing[@]}"; do
    command -v "${PROVIDES[$pkg]}" >/dev/null 2>&1 \
        || echo "system-deps: $pkg installed but ${PROVIDES[$pkg]} is not on PATH" >&2
done
exit 0
