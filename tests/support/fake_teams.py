"""A local stand-in for Microsoft's side of Teams: the Bot Connector, the bot's token endpoint, and the
OpenID metadata + JWKS that inbound tokens are checked against (signed here with a test RSA key).

The same routes are also served over HTTPS (a certificate from a test CA written to `ca_file`), behind an
HTTPS proxy that tunnels only `login.microsoftonline.com` here: MSAL, which the Agents SDK gets the bot's
token with, speaks only HTTPS and asks Microsoft's instance discovery about any authority it does not know.
A process trusts it through the ordinary `REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`, `HTTPS_PROXY` and `NO_PROXY`
(`secure_env`).

It runs in a thread with its own event loop, so a test (sync or async) can talk to a `clueline serve`
subprocess while this records what that process sent. Switches: answer the next sends with 429 and
`Retry-After`, answer a conversation with an error, and 429 any send that breaks Teams' per-conversation
limits (counted as `limit_violations`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import functools
import ipaddress
import itertools
import json
import ssl
import tempfile
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import RSAAlgorithm

APP_ID = "6f1b7a4e-8d0c-4c1e-9a43-2f7d2f1c0b11"
APP_PASSWORD = "fake-bot-password"
TENANT = "72f988bf-0000-4000-8000-000000000001"
ISSUER = "https://api.botframework.com"
KEY_ID = "fake-key-1"
ACCESS_TOKEN = "fake-connector-token"
# Azure App Service's managed-identity endpoint (IDENTITY_ENDPOINT, IDENTITY_HEADER) and the token it gives.
MSI_HEADER = "fake-identity-header"
MSI_TOKEN = "fake-managed-identity-token"
LIMITS = ((7, 1.0), (8, 2.0), (60, 30.0))
# Microsoft's login host, the only one the fake's proxy tunnels (to the fake itself).
LOGIN_HOST = "login.microsoftonline.com"


@dataclass(frozen=True)
class ConnectorCall:
    """One request the bot made to the connector."""

    method: str
    path: str
    conversation_id: str
    activity_id: str | None
    body: Any
    authorization: str | None
    at: float
    # The id the fake gave the message it accepted (posts only).
    answered_id: str | None = None

    @property
    def text(self) -> str:
        """Everything readable in an activity: its text and its card's JSON."""
        body = self.body if isinstance(self.body, dict) else {}
        return (body.get("text") or "") + json.dumps(body.get("attachments") or [])


@dataclass
class Member:
    """Someone on a roster."""

    aad_object_id: str
    name: str
    user_role: str = "user"

    @property
    def id(self) -> str:
        return f"29:{self.aad_object_id}"


@dataclass
class FakeTeams:
    """Start with `start()`, stop with `stop()`; `url` is both the service URL and the auth host."""

    calls: list[ConnectorCall] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    identity_requests: list[dict[str, str]] = field(default_factory=list)
    rosters: dict[str, list[Member]] = field(default_factory=dict)
    failures: dict[str, tuple[int, str]] = field(default_factory=dict)
    limit_violations: int = 0
    throttled: int = 0
    page_size: int = 2
    metadata_requests: int = 0
    # While set, the OpenID metadata endpoint does not answer (a slow Microsoft login service).
    hold_metadata: threading.Event = field(default_factory=threading.Event)
    # Once this many activity posts were accepted, further ones wait unanswered until `release_posts` is set;
    # one whose caller is gone by then (a killed worker) is dropped unaccepted, as the service would.
    hold_posts_after: int | None = None
    release_posts: threading.Event = field(default_factory=threading.Event)
    held_posts: int = 0

    def __post_init__(self) -> None:
        self.key, self.other_key = _signing_keys()
        self._throttle_next = 0
        self._retry_after = 1.0
        self._accepted: dict[str, deque[float]] = defaultdict(deque)
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.secure_port = 0
        self.proxy_port = 0
        self._files = tempfile.TemporaryDirectory(prefix="fake-teams-")
        self.ca_file = Path(self._files.name) / "ca.pem"

    # ---- control ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The service URL activities carry (with Teams' trailing slash)."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def metadata_url(self) -> str:
        return f"{self.url}v1/.well-known/openidconfiguration"

    @property
    def token_endpoint(self) -> str:
        return f"{self.url}botframework.com/oauth2/v2.0/token"

    @property
    def secure_url(self) -> str:
        """The same service over HTTPS, with the test CA's certificate."""
        return f"https://127.0.0.1:{self.secure_port}/"

    @property
    def secure_token_endpoint(self) -> str:
        """The bot's token endpoint over HTTPS, for MSAL (its authority is this without `/oauth2/v2.0/token`)."""
        return f"{self.secure_url}botframework.com/oauth2/v2.0/token"

    def secure_env(self) -> dict[str, str]:
        """The environment that makes a process trust the fake (`requests`, so MSAL, and OpenSSL's defaults, so
        aiohttp) and reach it as Microsoft's login host through the proxy (`requests` only)."""
        return {
            "REQUESTS_CA_BUNDLE": str(self.ca_file),
            "SSL_CERT_FILE": str(self.ca_file),
            "HTTPS_PROXY": f"http://127.0.0.1:{self.proxy_port}",
            "NO_PROXY": "127.0.0.1,localhost",
        }

    @property
    def identity_endpoint(self) -> str:
        """Where a managed identity gets its tokens (App Service's IDENTITY_ENDPOINT)."""
        return f"{self.url}msi/token"

    def start(self) -> FakeTeams:
        """Serve on a free port in a background thread."""
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._runner = web.AppRunner(self._app())
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            secure = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._server_tls())
            loop.run_until_complete(site.start())
            loop.run_until_complete(secure.start())
            self.port = _port_of(site)
            self.secure_port = _port_of(secure)
            proxy = loop.run_until_complete(asyncio.start_server(self._tunnel, "127.0.0.1", 0))
            self.proxy_port = proxy.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            proxy.close()
            # Tunnels a client kept open for its next request end with the fake.
            tunnels = asyncio.all_tasks(loop)
            for tunnel in tunnels:
                tunnel.cancel()
            if tunnels:
                loop.run_until_complete(asyncio.gather(*tunnels, return_exceptions=True))
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-teams", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Teams service did not start")
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._files.cleanup()

    def throttle_next(self, count: int, retry_after: float = 1.0) -> None:
        """Answer the next `count` activity posts with 429 and this Retry-After."""
        self._throttle_next = count
        self._retry_after = retry_after

    def forget(self) -> None:
        """Forget what was asked of it and the failures it was told to answer (one fake, several tests)."""
        self.calls.clear()
        self.failures.clear()
        self.limit_violations = 0
        self.throttled = 0

    def posts(self, conversation_id: str | None = None) -> list[ConnectorCall]:
        """Accepted activity posts (new messages and replies), optionally of one conversation."""
        return [
            call
            for call in list(self.calls)
            if call.method == "POST"
            and call.path.endswith(("/activities", f"/activities/{call.activity_id}"))
            and (conversation_id is None or call.conversation_id == conversation_id)
        ]

    def of(self, method: str) -> list[ConnectorCall]:
        """Recorded calls of one HTTP method."""
        return [call for call in list(self.calls) if call.method == method]

    # ---- tokens -----------------------------------------------------------------------------------

    def token(
        self,
        service_url: str,
        *,
        audience: str = APP_ID,
        issuer: str = ISSUER,
        expires_in: float | None = 3600,
        forged: bool = False,
        kid: str = KEY_ID,
    ) -> str:
        """A Bot Framework channel token as Teams sends it; `forged` signs it with a key nobody published, and
        `expires_in=None` leaves out `exp`."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience,
            "serviceurl": service_url,
            "nbf": now - 60,
            "iat": now - 60,
        }
        if expires_in is not None:
            claims["exp"] = int(now + expires_in)
        key = self.other_key if forged else self.key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})

    def _jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": KEY_ID, "use": "sig", "alg": "RS256", "endorsements": ["msteams", "emulator"]})
        return jwk

    # ---- HTTP -------------------------------------------------------------------------------------

    def _app(self) -> web.Application:
        app = web.Application()
        app.add_routes(
            [
                web.get("/v1/.well-known/openidconfiguration", self._metadata),
                web.get("/v1/.well-known/keys", self._keys),
                web.get("/common/discovery/instance", self._instance_discovery),
                web.get("/{tenant}/v2.0/.well-known/openid-configuration", self._tenant_discovery),
                web.post("/{tenant}/oauth2/v2.0/token", self._token),
                web.get("/msi/token", self._identity_token),
                web.post("/v3/conversations", self._create),
                web.post("/v3/conversations/{cid}/activities", self._post),
                web.post("/v3/conversations/{cid}/activities/{aid}", self._post),
                web.put("/v3/conversations/{cid}/activities/{aid}", self._put),
                web.delete("/v3/conversations/{cid}/activities/{aid}", self._delete),
                web.get("/v3/conversations/{cid}/pagedmembers", self._members),
            ]
        )
        return app

    async def _metadata(self, _request: web.Request) -> web.Response:
        self.metadata_requests += 1
        while self.hold_metadata.is_set():
            await asyncio.sleep(0.01)
        return web.json_response(
            {
                "issuer": ISSUER,
                "jwks_uri": f"{self.url}v1/.well-known/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _keys(self, _request: web.Request) -> web.Response:
        return web.json_response({"keys": [self._jwk()]})

    async def _instance_discovery(self, request: web.Request) -> web.Response:
        # MSAL asks Microsoft whether an authority it does not know is a real one; yes, with its metadata here.
        # It names the authority without its port: keep the tenant, answer with this fake's HTTPS address.
        tenant = urlsplit(request.query.get("authorization_endpoint", "")).path.strip("/").split("/")[0]
        metadata = f"{self.secure_url}{tenant}/v2.0/.well-known/openid-configuration"
        return web.json_response(
            {"tenant_discovery_endpoint": metadata, "api-version": "1.1", "metadata": []}
        )

    async def _tenant_discovery(self, request: web.Request) -> web.Response:
        base = f"{self.secure_url}{request.match_info['tenant']}"
        return web.json_response(
            {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        self.token_requests.append(form)
        if form.get("client_id") != APP_ID or form.get("client_secret") != APP_PASSWORD:
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response({"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600})

    async def _identity_token(self, request: web.Request) -> web.Response:
        query = {key: str(value) for key, value in request.query.items()}
        self.identity_requests.append(query)
        if request.headers.get("X-IDENTITY-HEADER") != MSI_HEADER or query.get("client_id") != APP_ID:
            return web.json_response({"statusCode": 400, "message": "unknown identity"}, status=400)
        return web.json_response(
            {
                "access_token": MSI_TOKEN,
                "expires_on": str(int(time.time()) + 3600),
                "resource": query.get("resource", ""),
                "token_type": "Bearer",
            }
        )

    async def _record(self, request: web.Request) -> ConnectorCall:
        body = await request.json() if request.can_read_body else None
        call = ConnectorCall(
            method=request.method,
            path=request.path,
            conversation_id=request.match_info.get("cid", ""),
            activity_id=request.match_info.get("aid"),
            body=body,
            authorization=request.headers.get("Authorization"),
            at=time.monotonic(),
        )
        return call

    def _failure(self, conversation_id: str) -> web.Response | None:
        failure = self.failures.get(conversation_id.split(";")[0])
        if failure is None:
            return None
        status, code = failure
        return web.json_response({"error": {"code": code, "message": f"fake {code}"}}, status=status)

    async def _post(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        if self.hold_posts_after is not None and len(self.posts()) >= self.hold_posts_after:
            self.held_posts += 1
            while not self.release_posts.is_set():
                await asyncio.sleep(0.01)
            # A caller killed just before the release: give this loop time to see its connection drop.
            await asyncio.sleep(0.3)
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=499)  # nobody is left to tell; nothing was posted
        failure = self._failure(call.conversation_id)
        if failure is not None:
            return failure
        if self._throttle_next > 0:
            self._throttle_next -= 1
            self.throttled += 1
            return self._too_many(self._retry_after)
        base = call.conversation_id.split(";")[0]
        window = self._accepted[base]
        now = call.at
        for count, seconds in LIMITS:
            if sum(1 for at in window if at > now - seconds) >= count:
                self.limit_violations += 1
                return self._too_many(1.0)
        window.append(now)
        accepted = replace(call, answered_id=f"activity-{next(self._ids)}")
        self.calls.append(accepted)
        return web.json_response({"id": accepted.answered_id})

    def _too_many(self, retry_after: float) -> web.Response:
        return web.json_response(
            {"error": {"code": "Throttled", "message": "slow down"}},
            status=429,
            headers={"Retry-After": f"{retry_after:g}"},
        )

    async def _put(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        failure = self._failure(call.conversation_id)
        if failure is not None:
            return failure
        self.calls.append(call)
        return web.json_response({"id": call.activity_id})

    async def _delete(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        self.calls.append(call)
        return web.Response(status=200)

    async def _create(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        self.calls.append(call)
        body = call.body if isinstance(call.body, dict) else {}
        members = body.get("members") or []
        if not members or body.get("isGroup"):
            return web.json_response({"error": {"code": "BadArgument", "message": "one member"}}, status=400)
        member_id = str(members[0].get("id"))
        return web.json_response({"id": f"a:1dm-{member_id}", "serviceUrl": self.url}, status=201)

    async def _members(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        self.calls.append(call)
        roster = self.rosters.get(call.conversation_id.split(";")[0], [])
        start = int(request.query.get("continuationToken") or 0)
        size = min(int(request.query.get("pageSize") or self.page_size), self.page_size)
        page = roster[start : start + size]
        following = start + size if start + size < len(roster) else None
        return web.json_response(
            {
                "continuationToken": str(following) if following is not None else None,
                "members": [
                    {
                        "id": member.id,
                        "name": member.name,
                        "aadObjectId": member.aad_object_id,
                        "userRole": member.user_role,
                        "tenantId": TENANT,
                    }
                    for member in page
                ],
            }
        )

    # ---- HTTPS --------------------------------------------------------------------------------------

    def _server_tls(self) -> ssl.SSLContext:
        """A server certificate for 127.0.0.1 and Microsoft's login host, from a CA written to `ca_file`."""
        ca_pem, chain_pem = _tls_files()
        self.ca_file.write_bytes(ca_pem)
        chain = Path(self._files.name) / "server.pem"
        chain.write_bytes(chain_pem)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(chain)
        return context

    async def _tunnel(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """An HTTPS proxy's CONNECT, to this fake's HTTPS port for Microsoft's login host, refused for others."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            method, target, *_ = head.decode("latin-1").split(" ", 2)
            if method != "CONNECT" or target.rsplit(":", 1)[0] != LOGIN_HOST:
                writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.secure_port)
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        except asyncio.CancelledError:
            pass  # the fake is stopping; asyncio's stream server reports a cancelled handler as an error
        finally:
            writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    writer.close()


def _port_of(site: web.TCPSite) -> int:
    server = site._server
    assert server is not None
    port: int = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    return port


# Four RSA keys cost a tenth of a second or more, and hundreds of tests start a fake: each test process makes
# them once. Every fake plays the same Microsoft, so sharing its keys and certificates changes nothing a test sees.
@functools.cache
def _signing_keys() -> tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]:
    """The key the fake signs tokens with, and another one (for forged tokens)."""
    return (
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )


@functools.cache
def _tls_files() -> tuple[bytes, bytes]:
    """The test CA's certificate, and the server's key and certificate chain (PEM)."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Clueline test CA")])
    ca = _certificate(ca_name, ca_name, ca_key.public_key(), ca_key, is_ca=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    server_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    server = _certificate(server_name, ca_name, key.public_key(), ca_key, is_ca=False)
    chain = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ) + server.public_bytes(serialization.Encoding.PEM)
    return ca.public_bytes(serialization.Encoding.PEM), chain


def _certificate(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: rsa.RSAPublicKey,
    signer: rsa.RSAPrivateKey,
    *,
    is_ca: bool,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False
        )
    )
    if is_ca:
        usage = dict.fromkeys(
            ("content_commitment", "key_encipherment", "data_encipherment", "key_agreement", "crl_sign"),
            False,
        )
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                encipher_only=False,
                decipher_only=False,
                **{**usage, "crl_sign": True},
            ),
            critical=True,
        )
    else:
        names: list[x509.GeneralName] = [
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.DNSName("localhost"),
            x509.DNSName(LOGIN_HOST),
        ]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(signer, hashes.SHA256())


def new_id() -> str:
    """A fresh GUID-like id."""
    return str(uuid.uuid4())
