"""Every route of both versions, as the simulator sends it, renders as text and as JSON.

Sessions are driven through the JSON input (an app's ``{"values": ...}`` and ``{"action": ...}``
answers, built from each page's view model), so the view model is also shown to be enough to
answer every page.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
from jsonschema import Draft202012Validator

from flatpeak_connect.engine import events as ev
from flatpeak_connect.engine.backend import FlatPeakAPI
from flatpeak_connect.engine.flow import Flow
from flatpeak_connect.engine.models import FieldError, OutcomeStatus, Page, Submission
from flatpeak_connect.engine.spec import load_pack
from flatpeak_connect.engine.transport import AiohttpTransport
from flatpeak_connect.engine.typing import RenderContext
from flatpeak_connect.renderers.json.inputs import read_answer
from flatpeak_connect.renderers.json.renderer import JsonRenderer
from flatpeak_connect.renderers.json.viewmodel import view_model
from flatpeak_connect.renderers.text import Style, TextRenderer
from flatpeak_connect.simulator import SimulatorServer

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

VIEW_MODEL = Draft202012Validator(
    json.loads(resources.files("flatpeak_connect.schemas").joinpath("viewmodel.json").read_text())
)
GB = {
    "address_line1": "17 Orchard Row",
    "city": "Millbrook",
    "post_code": "MB4 7QT",
    "country_code": "GB",
}
NL = {"address_line1": "Dijkweg 12", "city": "Zwolle", "post_code": "8011 AB", "country_code": "NL"}
SUPPLIERS = {
    "library": "Northgrid Supply",
    "manual": "Village Power Co-op",
    "market": "Fenland Market Energy",
    "market_nl": "Polder Stroom",
    "pending": "Hilltop Power",
    "failed": "Stonebridge Electric",
}
VALUES: Mapping[str, Any] = {
    "provider_name": "Hilltop Community Power",
    "cost": 0.245,
    "hours": [
        {"valid_from": "00:00", "valid_to": "07:00", "cost": 0.09},
        {"valid_from": "07:00", "valid_to": "00:00", "cost": 0.3},
    ],
    "surcharge_fixed": 0.0185,
    "surcharge_percentage": 5,
    "tariff_name": "Evening Saver",
    "contract_start_date": "2025-02-01",
    "contract_end_date": "2026-01-31",
}
ENDINGS = ("SAVE", "CLOSE", "DISCONNECT")


class App:
    """An app that draws its own UI from view models and answers through the JSON input.

    Args:
        version: the protocol version.
        address: the address to type.
        supplier: the display name of the supplier to choose, or ``None`` for "not listed".
        structure: the tariff structure to choose on a manual path.
    """

    def __init__(
        self, version: str, address: Mapping[str, str], supplier: str | None, structure: str
    ) -> None:
        self.pack = load_pack(version)
        self.address = address
        self.supplier = supplier
        self.structure = structure
        self.text = TextRenderer(style=Style(width=80))
        self.rendered: list[str] = []

    def render(self, page: Page, errors: Sequence[FieldError], context: RenderContext) -> Any:
        """Render every page both ways; keep the routes; check the view model."""
        text = self.text.render(page, errors, context).body
        assert context.spec is None or context.spec.title in text
        document = json.loads(JsonRenderer().render(page, errors, context).body)
        assert not list(VIEW_MODEL.iter_errors(document)), page.route
        self.rendered.append(page.route)
        return JsonRenderer().render(page, errors, context)

    async def collect(self, page: Page, errors: Sequence[FieldError]) -> Submission:
        """Answer from the view model: a field's value by its name, or an action."""
        assert not errors, [(e.pointer, e.code, e.message) for e in errors]
        spec = self.pack.route(page.route)
        view = view_model(page, errors, RenderContext(self.pack, spec))
        actions = [a["name"] for a in view["actions"]]
        answer: dict[str, Any]
        if view["answer"] == "action":
            answer = {"action": next(a for a in ENDINGS if a in actions)}
        elif page.route == "provider_select" and self.supplier is None:
            answer = {"action": "PROVIDER_MISSING"}
        else:
            answer = {"values": {f["name"]: self.value(f) for f in view["fields"]}}
        result = read_answer(page, answer, pack=self.pack)
        assert result.submission is not None, [(e.pointer, e.code) for e in result.errors]
        return result.submission

    def value(self, field: Mapping[str, Any]) -> Any:
        """The value this app gives a field."""
        name, choices = field["name"], field["choices"] or []
        if field["pointer"].startswith("/postal_address/"):
            return self.address.get(name, "")
        if name == "provider":
            return next(c["value"] for c in choices if c["label"] == self.supplier)
        if name == "structure":
            return self.structure
        if name == "contract_term_type":
            return "FIXED"
        if field["type"] == "choice":
            return choices[-1]["value"] if choices else ""
        return VALUES[name]


async def session(
    sim: SimulatorServer,
    version: str,
    supplier: str | None,
    *,
    address: Mapping[str, str] = GB,
    structure: str = "TIME_OF_DAY",
) -> set[str]:
    """Run one session through the app; return the routes Connect sent (canonical names)."""
    pack = load_pack(version)
    options = {"tariff_name_capture": True, "contract_term_capture": True}
    async with FlatPeakAPI(sim.account_id, sim.api_key, sim.url) as api:
        token = await api.create_token(
            version,
            callback_url=f"{sim.url}/done",
            return_url=f"{sim.url}/return",
            route_options=options if version == "anode" else None,
        )
    received: list[str] = []
    async with aiohttp.ClientSession() as http, AiohttpTransport(f"{sim.url}/", http) as transport:
        flow = Flow(version, transport, callback_url=f"{sim.url}/done")
        flow.events.subscribe(lambda e: received.append(e.page.route), ev.PageReceived)

        async def approve(url: str) -> None:
            async with http.post(url, data={"decision": "approve"}, allow_redirects=False) as r:
                assert r.status == 303

        app = App(version, address, supplier, structure)
        outcome = await flow.run(token.connect_token, app, app, on_redirect=approve)
    assert outcome.status is OutcomeStatus.COMPLETE, outcome
    for route in received:
        spec = pack.route(route)
        assert spec is not None
        if spec.kind != "page":
            context = RenderContext(pack, spec)
            page = Page.from_json({"connect_token": "c", "route": route, "data": {}}, version)
            assert TextRenderer(style=Style(width=80)).render(page, (), context).body
    return {str(pack.canonical(route)) for route in received}


@pytest.fixture
async def sim() -> Any:
    """A simulator on a free port, in the test's event loop."""
    async with SimulatorServer() as server:
        yield server


class TestEveryRouteFromTheSimulator:
    """Sessions that together reach every route of a version."""

    @pytest.mark.parametrize("version", ["zero", "anode"])
    async def test_every_route(self, sim: SimulatorServer, version: str) -> None:
        """Library, manual (fixed, time of day, not listed), market and direct sessions."""
        seen: set[str] = set()
        seen |= await session(sim, version, SUPPLIERS["library"])
        seen |= await session(sim, version, SUPPLIERS["manual"], structure="FIXED")
        seen |= await session(sim, version, None)
        seen |= await session(sim, version, SUPPLIERS["market"], structure="MARKET")
        seen |= await session(sim, version, SUPPLIERS["market_nl"], address=NL, structure="MARKET")
        seen |= await session(sim, version, SUPPLIERS["pending"])
        seen |= await session(sim, version, SUPPLIERS["failed"])
        assert seen == set(load_pack(version).routes)
