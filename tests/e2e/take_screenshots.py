"""The documentation's screenshots of the reference pages, taken from a fresh demo server:
`python -m tests.e2e.take_screenshots` writes docs/screenshots/*.png."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from api.clock import ManualClock, system_now
from api.demo import BUYERS, SELLERS
from api.settings import Settings
from storage.embedded import EmbeddedMongo
from tests.e2e.conftest import CHROMIUM, serving

OUT = Path(__file__).parents[2] / "docs" / "screenshots"


async def main() -> None:
    from playwright.async_api import async_playwright

    mongo = EmbeddedMongo(None)
    uri = await asyncio.to_thread(mongo.start)
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(
            mongodb_uri=uri,
            data_dir=Path(data),
            jwt_secret="screenshots-secret-of-at-least-32-bytes",
        )
        try:
            async with serving(settings, ManualClock(system_now()), demo=True) as server:
                api = server.api
                base = f"http://127.0.0.1:{server.port}"
                ana, acme = BUYERS[0], SELLERS[0]
                mine = await api.gql(
                    "{ orders(first: 20, filter: {statuses: [OUT_FOR_DELIVERY]}) { nodes { id } } }",
                    as_=ana,
                )
                order_id = mine["data"]["orders"]["nodes"][0]["id"]
                to_ship = await api.gql(
                    "{ orders(first: 1, filter: {statuses: [UNSHIPPED]}) { nodes { id } } }",
                    as_=acme,
                )
                unshipped_id = to_ship["data"]["orders"]["nodes"][0]["id"]
                OUT.mkdir(parents=True, exist_ok=True)
                async with async_playwright() as playwright:
                    browser = await playwright.chromium.launch(
                        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
                    )
                    for name, path, actor, width in (
                        ("track", f"/track/{order_id}", ana, 420),
                        ("seller", "/seller", acme, 900),
                        ("order-seller", f"/track/{unshipped_id}", acme, 420),
                    ):
                        page = await browser.new_page(viewport={"width": width, "height": 900})
                        token = api.token(actor)
                        await page.add_init_script(
                            f"localStorage.setItem('orderwire.token', '{token}');"
                        )
                        await page.goto(base + path)
                        await page.wait_for_selector("#connection[data-state=live]")
                        if name == "seller":  # its totals come a moment after the rows
                            await page.wait_for_selector("#totals:not(:empty)")
                        await page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
                        print(f"wrote {OUT / f'{name}.png'}")
                    await browser.close()
        finally:
            await asyncio.to_thread(mongo.stop)


if __name__ == "__main__":
    asyncio.run(main())
