"""Identity and origin settings: a malformed one stops the server at start-up, naming it, and
nothing half-configured starts."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.http.tokens import tokens_for
from api.settings import Settings, SettingsProblem, load_settings
from domain.kernel.errors import Unauthenticated

CLI = str(Path(sys.executable).with_name("orderwire"))
PROVIDER = {"ORDERWIRE_OIDC_ISSUER": "https://id.shop.example/", "ORDERWIRE_JWT_AUDIENCE": "api"}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        (
            {**PROVIDER, "ORDERWIRE_ROLE_MAP": "customer=BUYER"},
            "ORDERWIRE_ROLE_MAP: not valid JSON",
        ),
        ({**PROVIDER, "ORDERWIRE_ROLE_MAP": '{"customer": "KING"}'}, "ORDERWIRE_ROLE_MAP: maps to"),
        (
            {"ORDERWIRE_OIDC_ISSUER": "id.shop.example", "ORDERWIRE_JWT_AUDIENCE": "a"},
            "ORDERWIRE_OIDC_ISSUER: 'id.shop.example' is not a URL",
        ),
        (
            {"ORDERWIRE_OIDC_ISSUER": "http://id.shop.example", "ORDERWIRE_JWT_AUDIENCE": "a"},
            "must use https",
        ),
        ({"ORDERWIRE_JWKS_URL": "ftp://keys", "ORDERWIRE_JWT_AUDIENCE": "a"}, "ORDERWIRE_JWKS_URL"),
        (
            {"ORDERWIRE_OIDC_ISSUER": "https://id.shop.example/"},
            "ORDERWIRE_JWT_AUDIENCE is required",
        ),
        (
            {**PROVIDER, "ORDERWIRE_JWT_ALGORITHMS": "RS256,HS256"},
            "ORDERWIRE_JWT_ALGORITHMS: ['HS256'] not allowed",
        ),
        (
            {**PROVIDER, "ORDERWIRE_JWT_ALGORITHMS": "none"},
            "ORDERWIRE_JWT_ALGORITHMS: ['none'] not allowed",
        ),
        ({**PROVIDER, "ORDERWIRE_SUBJECT_CLAIM": '{"KING": "x"}'}, "ORDERWIRE_SUBJECT_CLAIM"),
        (
            {"ORDERWIRE_OIDC_CLIENT_ID": "pages"},
            "ORDERWIRE_OIDC_CLIENT_ID needs ORDERWIRE_OIDC_ISSUER",
        ),
        (
            {"ORDERWIRE_CORS_ORIGINS": "https://shop.example/app"},
            "ORDERWIRE_CORS_ORIGINS: 'https://shop.example/app' is not an origin",
        ),
        (
            {"ORDERWIRE_CORS_ORIGINS": "*", "ORDERWIRE_CORS_CREDENTIALS": "true"},
            "'*' cannot go with ORDERWIRE_CORS_CREDENTIALS",
        ),
    ],
)
def test_a_malformed_setting_is_named(
    env: dict[str, str], named: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsProblem) as problem:
        load_settings()
    assert named in str(problem.value)


def test_the_docs_worked_example_is_read_as_it_says(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (Path(__file__).parents[2] / "docs" / "identity.md").read_text()
    block = readme.split("```env\n", 1)[1].split("```", 1)[0]
    for line in block.splitlines():
        name, _, value = line.partition("=")
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.identity_provider
    assert settings.jwt_algorithms == ["RS256", "ES256"]
    assert settings.role_map["merchant"] == "SELLER"
    assert settings.subject_claim == {"*": "sub", "SELLER": "https://shop.example/seller_id"}
    assert settings.cors_origins == ["https://shop.example", "https://sellers.shop.example"]
    monkeypatch.setenv("ORDERWIRE_SUBJECT_CLAIM", "preferred_username")
    monkeypatch.setenv("ORDERWIRE_CORS_ORIGINS", '["http://localhost:5173/"]')
    assert load_settings().subject_claim == {"*": "preferred_username"}
    assert load_settings().cors_origins == ["http://localhost:5173"]


def test_the_server_refuses_to_start_half_configured(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERWIRE_", "MONGODB"))}
    env.update(
        ORDERWIRE_DATA_DIR=str(tmp_path),
        ORDERWIRE_OIDC_ISSUER="https://id.shop.example/",
        ORDERWIRE_JWT_AUDIENCE="api",
        ORDERWIRE_ROLE_MAP="not json",
    )
    done = subprocess.run(
        [CLI, "serve", "--ephemeral"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "error: ORDERWIRE_ROLE_MAP: not valid JSON" in done.stderr
    assert "GraphiQL" not in done.stdout  # it never got as far as serving


async def test_a_provider_token_with_an_unreadable_body_is_refused_not_an_error() -> None:
    settings = Settings(
        jwt_secret="a-test-secret-of-at-least-thirty-two-bytes",
        oidc_issuer="https://id.shop.example/",
        jwt_audience="api",
    )
    header = base64.urlsafe_b64encode(b'{"alg":"RS256","kid":"k"}').rstrip(b"=").decode()
    with pytest.raises(Unauthenticated, match="not a JWT"):
        await tokens_for(settings).signed_in(f"{header}.bm90IGpzb24.c2ln")
