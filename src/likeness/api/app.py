"""FastAPI app factory: routers under /api/v1, the web portal at /, health check, error handlers.

The edge of the HTTP side: it mounts every feature's router and wires authentication
(:func:`likeness.auth.dependencies.authenticate`) into the request dependencies of
:mod:`likeness.web`, which sit below the features.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

import likeness
from likeness.api.docs import install_docs
from likeness.auth.csrf import CsrfProtection
from likeness.auth.dependencies import authenticate
from likeness.errors import LikenessError
from likeness.portal.app import install_portal
from likeness.portal.paths import is_portal_path
from likeness.runtime import Runtime
from likeness.settings import Settings, get_settings
from likeness.web.limits import BodyLimit, BodySizeLimit
from likeness.web.responses import allowed_methods, document_common_errors, error_response
from likeness.web.text import ValidUnicodeJson

API_PREFIX = "/api/v1"
OPENAPI_URL = "/openapi.json"
logger = logging.getLogger("likeness.api")


def _feature_routers() -> list[APIRouter]:
    from likeness.audit.endpoints import router as audit_router
    from likeness.auth.endpoints import router as auth_router
    from likeness.party.endpoints import router as party_router

    routers = [auth_router, party_router, audit_router]
    # --- feature routers (one block per feature) ---
    from likeness.jobs.endpoints import router as jobs_router

    routers += [jobs_router]
    from likeness.consent.endpoints import router as consent_router
    from likeness.licensing.endpoints import consent_router as licensing_consent_router
    from likeness.licensing.endpoints import router as licensing_router
    from likeness.licensing.endpoints import twin_router as licensing_twin_router
    from likeness.twin.endpoints import consent_router as twin_consent_router

    routers += [twin_consent_router, consent_router, licensing_consent_router, licensing_router]
    from likeness.capture.endpoints import router as capture_router
    from likeness.twin.endpoints import router as twin_router

    routers += [capture_router, twin_router, licensing_twin_router]
    from likeness.relighting.endpoints import router as relighting_router

    routers += [relighting_router]
    from likeness.asset.endpoints import router as asset_router

    routers += [asset_router]
    from likeness.output.endpoints import router as output_router

    routers += [output_router]
    from likeness.generation.endpoints import router as generation_router

    routers += [generation_router]
    from likeness.ledger.endpoints import router as ledger_router

    routers += [ledger_router]
    from likeness.catalogue.endpoints import router as catalogue_router

    routers += [catalogue_router]
    from likeness.compliance.endpoints import router as compliance_router

    routers += [compliance_router]
    from likeness.inbox.endpoints import router as inbox_router

    routers += [inbox_router]
    from likeness.monitoring.endpoints import router as monitoring_router

    routers += [monitoring_router]
    # --- end feature routers ---
    return routers


def _error(
    status_code: int, error: str, detail: object, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        status_code=status_code, content={"error": error, "detail": detail}, headers=headers
    )


def _install_error_handlers(app: FastAPI) -> None:
    from likeness.portal import errors as portal

    @app.exception_handler(LikenessError)
    async def likeness_error(request: Request, exc: LikenessError) -> Response:
        if is_portal_path(request.url.path):
            return portal.page_error(request, exc)
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if is_portal_path(request.url.path):
            return portal.error_page(request, 422, "The form or address was not valid.")
        problems = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return _error(422, "InvalidInput", problems)

    @app.exception_handler(DataError)
    async def data_error(_: Request, exc: DataError) -> JSONResponse:
        return _error(422, "InvalidInput", "the database refused a value (too long or invalid)")

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> Response:
        if is_portal_path(request.url.path):
            return portal.unexpected_page_error(request, exc)
        # Never leak internals; the traceback goes to the server log.
        logger.exception("unhandled error", exc_info=exc)
        return _error(500, "InternalError", "unexpected server error; it has been logged")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if is_portal_path(request.url.path):
            page = portal.error_page(request, exc.status_code, str(exc.detail))
            page.headers.update(dict(exc.headers or {}))
            return page
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names only the first route that matched the path; a path served by
            # several routes (GET and POST /tokens) allows all of their methods.
            headers["Allow"] = allowed_methods(app.openapi(), request.url.path) or headers.get(
                "Allow", ""
            )
        return _error(exc.status_code, "HTTPError", exc.detail, headers)


def _recover_interrupted(runtime: Runtime) -> None:
    """Settle ingests and builds a crash interrupted before serving (see `likeness doctor`)."""
    from likeness.system.recovery import recover_at_start

    for finding in recover_at_start(runtime):
        state = "settled" if finding.repaired else f"NOT settled ({finding.error})"
        logger.warning("interrupted operation %s %s: %s", finding.subject, state, finding.detail)


class _JobWaker:
    """While the server runs, wake the job workers every ``interval`` seconds when a job
    is takeable: one queued behind a busy pool, or one whose worker died (a ``kill -9``
    of an earlier server leaves its job running until its lease runs out, after the
    start-up check)."""

    def __init__(self, runtime: Runtime, interval: float) -> None:
        self._runtime = runtime
        self._interval = max(0.05, interval)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="likeness-job-waker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def wake_if_waiting(self) -> None:
        from likeness.jobs import repository as jobs
        from likeness.jobs.executors import executor_for
        from likeness.kit.clock import utcnow

        with self._runtime.db.unit_of_work() as session:
            waiting = jobs.count_takeable(session, None, utcnow())
        if waiting:
            executor_for(self._runtime).submit(None)

    def _run(self) -> None:
        while not self._done.wait(self._interval):
            try:
                self.wake_if_waiting()
            except Exception:  # a database hiccup: the next round tries again
                logger.exception("waking the job workers failed")


class _LedgerPoster:
    """While the server runs, post new fees from the audit chain every ``interval``
    seconds (decision 0022: the chain is the ledger's outbox), in a transaction of its
    own; a round that fails is logged and the next one tries again."""

    def __init__(self, runtime: Runtime, interval: float) -> None:
        self._runtime = runtime
        self._interval = max(0.05, interval)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="likeness-ledger", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def post(self) -> None:
        from likeness.ledger.service import catch_up_now

        catch_up_now(self._runtime.db, self._runtime.settings.ledger.platform_fee_bps)

    def _run(self) -> None:
        while not self._done.wait(self._interval):
            self.post()


def _job_lifespan(runtime: Runtime) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Wake the job workers at start for jobs left queued (or leased by a process that
    died) before this server started, and every half lease while it runs (for jobs
    whose worker died since); close them with the server. Post the ledger at start and
    every ``LIKENESS_LEDGER__POST_INTERVAL_SECONDS`` likewise."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        from likeness.jobs.executors import close_executor

        waker = _JobWaker(runtime, runtime.settings.jobs.lease_seconds / 2)
        waker.wake_if_waiting()
        waker.start()
        poster = _LedgerPoster(runtime, runtime.settings.ledger.post_interval_seconds)
        poster.post()  # fees of events recorded while no server ran
        poster.start()
        try:
            yield
        finally:
            poster.stop()
            waker.stop()
            close_executor(runtime)

    return lifespan


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or (runtime.settings if runtime else get_settings())
    settings.platform_secret()  # refuse to start with a default secret in production
    if runtime is None:
        runtime = Runtime.from_settings(settings)
        # The server opens its blob store at start (commands open it when they need it):
        # a wrong LIKENESS_BLOB_URL stops it here, not at the first upload.
        _ = runtime.blobs
    _recover_interrupted(runtime)
    app = FastAPI(
        lifespan=_job_lifespan(runtime),
        title="Likeness API",
        version=likeness.__version__,
        description="Consent-first digital twins: parties, consent, licensing, provenance.",
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.authenticate = authenticate
    _install_error_handlers(app)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        with runtime.db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        return {"status": "ok", "version": likeness.__version__}

    for router in _feature_routers():
        app.include_router(router, prefix=API_PREFIX)
    _install_openapi(app)
    install_docs(app, OPENAPI_URL)
    # Added first, so it runs inside the size limit, which bounds the body it reads.
    app.add_middleware(ValidUnicodeJson)
    from likeness.portal.errors import csrf_refusal

    app.add_middleware(
        CsrfProtection,
        settings=settings,
        token_exempt_paths=[f"{API_PREFIX}/auth/login"],
        refuse=csrf_refusal,
    )
    app.add_middleware(
        BodySizeLimit, default=settings.max_request_bytes, routes=_body_limits(settings)
    )
    # The web portal at /, after the API so it never shadows a route; its security
    # headers wrap everything above, so its 403 and 413 answers carry them too.
    install_portal(app, settings)
    return app


def _install_openapi(app: FastAPI) -> None:
    """The description states the errors every route can answer (see api/responses.py)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            app.openapi_schema = document_common_errors(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _body_limits(settings: Settings) -> list[BodyLimit]:
    from likeness.capture.endpoints import body_limits as capture_limits
    from likeness.portal.app import body_limits as portal_limits

    return capture_limits(settings, API_PREFIX) + portal_limits(settings)
