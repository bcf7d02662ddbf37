"""With ORDERWIRE_ENV=production, introspection and GraphiQL are off unless switched on."""

from __future__ import annotations

import pytest

from api.settings import Settings
from tests.api.client import OPERATOR, Api


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "env": "production",
        }
    )


async def test_introspection_and_graphiql_are_off_in_production(api: Api) -> None:
    body = await api.gql("{ __schema { queryType { name } } }", as_=OPERATOR)
    assert body["data"] is None
    assert "introspection" in body["errors"][0]["message"].lower()
    page = await api.http.get("/graphql", headers={"Accept": "text/html"})
    assert "graphiql" not in page.text.lower()
    assert (await api.gql("{ viewer { role } }", as_=OPERATOR))["data"] == {
        "viewer": {"role": "OPERATOR"}
    }


def test_each_switch_can_be_set_on_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERWIRE_ENV", "production")
    monkeypatch.setenv("ORDERWIRE_INTROSPECTION", "true")
    production = Settings()
    assert production.introspection_enabled is True
    assert production.graphiql_enabled is False
    monkeypatch.delenv("ORDERWIRE_ENV")
    monkeypatch.delenv("ORDERWIRE_INTROSPECTION")
    monkeypatch.setenv("ORDERWIRE_GRAPHIQL", "false")
    development = Settings()
    assert development.introspection_enabled is True
    assert development.graphiql_enabled is False
