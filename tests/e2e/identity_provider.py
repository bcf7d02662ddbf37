"""A real OpenID provider for the tests: oidc-provider (npm, pinned in tests/e2e/oidc) run by
Node on a free loopback port, with keys, clients and accounts the test chooses."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from storage.embedded import free_port
from tests.tools import require_tool

HERE = Path(__file__).parent / "oidc"
NODE = shutil.which("node")

AUDIENCE = "orderwire-api"
API = "https://orderwire.test/api"
API_ES256 = "https://orderwire.test/api-es256"
API_SHORT = "https://orderwire.test/api-short"  # tokens live two seconds
API_BRIEF = "https://orderwire.test/api-brief"  # tokens live eight seconds: a page renews them
OTHER_APP = "https://reports.test/api"  # a resource server with another audience

# The shop's claim layout (Auth0-style namespaced claims): a list of its own role names, and
# the seller's shop id in a claim of its own.
ROLES_CLAIM = "https://shop.example/roles"
SHOP_CLAIM = "https://shop.example/seller_id"
ROLE_MAP = {"customer": "BUYER", "merchant": "SELLER", "staff": "OPERATOR", "courier": "CARRIER"}
CLIENT_SECRET = "a-client-secret-for-the-test-provider-only"

# Machine clients (client credentials): the token's `sub` is the client id.
SERVICE_CLIENTS: dict[str, dict[str, Any]] = {
    "buyer-1": {ROLES_CLAIM: ["customer", "offline_access"]},
    "buyer-2": {ROLES_CLAIM: ["customer"]},
    "acme-storefront": {ROLES_CLAIM: ["merchant"], SHOP_CLAIM: "seller-1"},
    "UPS": {ROLES_CLAIM: ["courier"]},
    "no-role-app": {ROLES_CLAIM: ["reporting"]},
    "two-roles-app": {ROLES_CLAIM: ["customer", "staff"]},
}
# People signing in on the provider's login page (authorization code flow).
ACCOUNTS: dict[str, dict[str, Any]] = {
    "buyer-1": {ROLES_CLAIM: ["customer"]},
    "seller-1": {ROLES_CLAIM: ["merchant"], SHOP_CLAIM: "seller-1"},
    "buyer-2": {ROLES_CLAIM: ["customer"]},
}
PAGES_CLIENT = "orderwire-pages"


def rsa_key(kid: str) -> dict[str, Any]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {**json.loads(RSAAlgorithm.to_jwk(private)), "kid": kid, "alg": "RS256", "use": "sig"}


def ec_key(kid: str) -> dict[str, Any]:
    private = ec.generate_private_key(ec.SECP256R1())
    return {**json.loads(ECAlgorithm.to_jwk(private)), "kid": kid, "alg": "ES256", "use": "sig"}


def public(key: dict[str, Any]) -> dict[str, Any]:
    """The public half of a private JWK, as the provider publishes it."""
    secret_members = {"d", "p", "q", "dp", "dq", "qi"}
    return {name: value for name, value in key.items() if name not in secret_members}


@dataclass
class IdentityProvider:
    port: int
    issuer: str
    keys: list[dict[str, Any]]
    redirect_uris: list[str] = field(default_factory=list)
    default_resource: str = API  # the API a page's sign-in asks a token for
    process: asyncio.subprocess.Process | None = None
    config_path: Path | None = None

    @property
    def address(self) -> str:
        """Where it listens (its issuer may name another place: an impostor's does)."""
        return f"http://127.0.0.1:{self.port}"

    def settings(self) -> dict[str, Any]:
        """The orderwire settings that trust this provider."""
        return {
            "oidc_issuer": self.issuer,
            "jwt_audience": AUDIENCE,
            "role_claim": ROLES_CLAIM,
            "role_map": ROLE_MAP,
            "subject_claim": {"*": "sub", "SELLER": SHOP_CLAIM},
            "jwks_refetch_seconds": 1.0,
            "jwt_leeway_seconds": 0.0,
        }

    def _config(self) -> dict[str, Any]:
        services = [
            {
                "client_id": client,
                "client_secret": CLIENT_SECRET,
                "grant_types": ["client_credentials"],
                "redirect_uris": [],
                "response_types": [],
            }
            for client in SERVICE_CLIENTS
        ]
        pages = {
            "client_id": PAGES_CLIENT,
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "redirect_uris": self.redirect_uris or ["http://127.0.0.1/unused"],
            "post_logout_redirect_uris": self.redirect_uris,
        }
        servers = {
            API: {"audience": AUDIENCE},
            API_ES256: {"audience": AUDIENCE, "alg": "ES256"},
            API_SHORT: {"audience": AUDIENCE, "ttl": 2},
            API_BRIEF: {"audience": AUDIENCE, "ttl": 8},
            OTHER_APP: {"audience": "reports-app"},
        }
        return {
            "issuer": self.issuer,
            "port": self.port,
            "jwks": {"keys": self.keys},
            "clients": [*services, pages],
            "accounts": ACCOUNTS,
            "clientClaims": SERVICE_CLIENTS,
            "resourceServers": servers,
            "defaultResource": self.default_resource,
        }

    async def start(self, directory: Path) -> None:
        present = NODE is not None and (HERE / "node_modules" / "oidc-provider").is_dir()
        require_tool(present, "node or tests/e2e/oidc/node_modules")
        assert NODE is not None
        self.config_path = directory / f"provider-{self.port}.json"
        self.config_path.write_text(json.dumps(self._config()))
        self.process = await asyncio.create_subprocess_exec(
            NODE,
            str(HERE / "provider.mjs"),
            str(self.config_path),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            cwd=HERE,
        )
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 30)
        assert line.strip() == b"listening", line

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()
        self.process = None

    async def rotate(self, keys: list[dict[str, Any]], directory: Path) -> None:
        """The provider now signs and publishes `keys` (a restart, as a config change is)."""
        await self.stop()
        self.keys = keys
        await self.start(directory)

    async def token(self, client: str, resource: str = API) -> str:
        """An access token from the client-credentials grant of the provider's token endpoint."""
        async with httpx.AsyncClient(base_url=self.address) as http:
            answer = await http.post(
                "/token",
                data={"grant_type": "client_credentials", "resource": resource, "scope": "orders"},
                auth=(client, CLIENT_SECRET),
            )
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["access_token"]
        return token

    async def jwks_fetches(self) -> int:
        async with httpx.AsyncClient(base_url=self.address) as http:
            count: int = (await http.get("/test/jwks-fetches")).json()["fetches"]
        return count


@asynccontextmanager
async def identity_provider(
    directory: Path,
    keys: list[dict[str, Any]] | None = None,
    *,
    issuer: str | None = None,
    redirect_uris: list[str] | None = None,
    default_resource: str = API,
) -> AsyncIterator[IdentityProvider]:
    """A provider on a free port while the block runs (with another issuer's name if given)."""
    port = free_port()
    provider = IdentityProvider(
        port=port,
        issuer=issuer or f"http://127.0.0.1:{port}",
        keys=keys or [rsa_key("rsa-1"), ec_key("ec-1")],
        redirect_uris=redirect_uris or [],
        default_resource=default_resource,
    )
    await provider.start(directory)
    try:
        yield provider
    finally:
        await provider.stop()
