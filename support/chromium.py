"""How the browser tests (``tests/browser``) and the first-view benchmark (``bench.map``) start Debian's Chromium
(installed by scripts/bootstrap.sh).

Playwright's own browser download does not work here; Debian's build is launched instead. Without the
background-networking flags Chromium keeps trying to reach Google's services, which a closed network refuses.
"""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",  # the tests run as root in CI
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
