"""The small HTTP site of `clueline worker` on CLUELINE_WORKER_PORT: health probes and /metrics."""

from __future__ import annotations

from aiohttp import web

from bot.health import health_routes
from bot.runtime import Runtime


async def start_worker_http(runtime: Runtime, host: str, port: int) -> web.AppRunner:
    """Serve `/livez`, `/readyz`, `/healthz` and `/metrics` beside the worker's loop; cleanup() stops it."""
    app = web.Application(middlewares=[runtime.metrics.middleware], handler_args={"auto_decompress": False})
    app.add_routes([*health_routes(runtime.database), web.get("/metrics", runtime.metrics.handle)])
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
