"""Health routes of `serve` and `worker`: liveness (the process runs) apart from readiness (the database answers)."""

from __future__ import annotations

from aiohttp import web

from bot.db.database import Database


def health_routes(database: Database) -> list[web.RouteDef]:
    """`/livez` for liveness probes; `/readyz` and `/healthz` (its older name) for readiness probes."""

    async def livez(_request: web.Request) -> web.Response:
        # No database call: a database outage must not get every instance restarted by its liveness probe.
        return web.json_response({"status": "ok"})

    async def readyz(_request: web.Request) -> web.Response:
        try:
            await database.check()
        except Exception:
            return web.json_response({"status": "database unreachable"}, status=503)
        return web.json_response({"status": "ok"})

    return [web.get("/livez", livez), web.get("/readyz", readyz), web.get("/healthz", readyz)]
