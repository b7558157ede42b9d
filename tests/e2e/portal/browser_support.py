"""The browser side of the portal's tests (no tests in here).

* the seeded data home is :func:`e2e.portal.portal_seed.seed_home`'s;
* :class:`LiveServer` runs the app (what ``likeness serve`` runs) with uvicorn in a
  thread on a free 127.0.0.1 port.
* :func:`launch_chromium` starts Debian's chromium under Playwright; :func:`check_page`
  runs axe-core on the page (0 serious or critical violations) and saves screenshots at
  375 and 1280 px under the artifacts folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from likeness.api.app import create_app
from likeness.runtime import Runtime
from likeness.settings import Settings

CHROMIUM = os.environ.get("LIKENESS_CHROMIUM", "/usr/bin/chromium")
WIDTHS = (375, 1280)
#: axe impacts that fail a page.
BLOCKING = frozenset({"serious", "critical"})


class LiveServer:
    """The app on a free port, in a thread; :meth:`stop` shuts it down."""

    def __init__(self, runtime: Runtime) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = create_app(runtime=runtime)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="portal-server", daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the portal server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def browser_wanted() -> bool:
    """Browser tests skip only when LIKENESS_SKIP_BROWSER=1; otherwise a missing chromium
    fails them loudly (CI installs it)."""
    return os.environ.get("LIKENESS_SKIP_BROWSER") != "1"


def launch_chromium(playwright: Any) -> Any:
    if not browser_wanted():
        pytest.skip("LIKENESS_SKIP_BROWSER=1")
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(
            f"chromium not found at {CHROMIUM}: install Debian's `chromium` (as .ci/run does) "
            "or set LIKENESS_SKIP_BROWSER=1 to skip the browser tests locally"
        )
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    return playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])


def settings_for(home: Path) -> Settings:
    return Settings(
        home=home,
        database_url=f"sqlite:///{home / 'likeness.db'}",
        secret_key="portal-browser-test-secret-" + "s" * 40,
    )


def check_page(page: Any, name: str, artifacts: Path) -> None:
    """axe-core on the page as it is (0 serious or critical violations), then at each of
    :data:`WIDTHS`: no sideways scrolling, and a full-page screenshot saved as
    ``<name>-<width>.png`` under ``artifacts``."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(str(n.get("target")) for n in v["nodes"][:5])
        for v in results.response["violations"]
        if v.get("impact") in BLOCKING
    ]
    assert blocking == [], f"{name}: axe found serious/critical violations:\n" + "\n".join(blocking)
    original = page.viewport_size
    artifacts.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name}: the page is {wide} px wide at a {width} px viewport"
        page.screenshot(path=str(artifacts / f"{name}-{width}.png"), full_page=True)
    if original:
        page.set_viewport_size(original)
