"""Prometheus metrics of one process, on a registry of its own (no module-level globals)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

log = logging.getLogger(__name__)

# Work done before each scrape, e.g. reading the outbox's backlog into its gauges.
OnScrape = Callable[[], Awaitable[None]]


class Metrics:
    """HTTP, inbound events, the outbox and its sends, the LLM, answers and pulse deliveries of one process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "clueline_http_requests", "HTTP requests served", ["route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "clueline_http_request_seconds",
            "Time to answer an HTTP request",
            ["route"],
            registry=self.registry,
        )
        self.events = Counter(
            "clueline_inbound_events",
            "Inbound chat events accepted",
            ["platform", "kind"],
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "clueline_outbox_due", "Outbox messages due and not yet sent", registry=self.registry
        )
        self.outbox_oldest_due = Gauge(
            "clueline_outbox_oldest_due_seconds",
            "How long the oldest unsent due outbox message has been due",
            registry=self.registry,
        )
        self.sends = Counter(
            "clueline_sends",
            "Outbox sends by platform and result (sent, retry, rate_limited, failed)",
            ["platform", "result"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "clueline_rate_limited",
            "Sends a platform answered with 429",
            ["platform"],
            registry=self.registry,
        )
        self.retries = Counter(
            "clueline_send_retries", "Sends put back to try again later", ["platform"], registry=self.registry
        )
        self.pulse_deliveries = Counter(
            "clueline_pulse_deliveries",
            "Pulse messages (invitations, reminders, results) delivered",
            ["platform"],
            registry=self.registry,
        )
        self.llm_latency = Histogram(
            "clueline_llm_seconds", "Time an LLM answer took", registry=self.registry
        )
        self.llm_fallbacks = Counter(
            "clueline_llm_fallbacks",
            "LLM answers that failed or timed out (the extractive answer was used)",
            registry=self.registry,
        )
        self.answers = Counter(
            "clueline_answers", "Questions answered or declined", ["result"], registry=self.registry
        )
        self.on_scrape: list[OnScrape] = []

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Count and time every request by its route (not its raw path, which may carry ids)."""
        route = (
            request.match_info.route.resource.canonical if request.match_info.route.resource else "unmatched"
        )
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            self.requests.labels(route, str(status)).inc()
            self.latency.labels(route).observe(time.perf_counter() - started)

    async def handle(self, _request: web.Request) -> web.Response:
        """GET /metrics (gauges that need a query are computed now, not on a timer)."""
        for refresh in self.on_scrape:
            try:
                await refresh()
            except Exception:  # a database outage must not take the other metrics with it
                log.warning("a metric could not be computed for this scrape", exc_info=True)
        response = web.Response(body=generate_latest(self.registry))
        response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
        return response
