"""flatpeak_connect.testing: scripted sessions against the real simulator, end to end."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from engine_support import NamedRenderer

from flatpeak_connect.engine.errors import ScriptError
from flatpeak_connect.engine.models import OutcomeStatus
from flatpeak_connect.testing import run_scripted, simulated_connect

if TYPE_CHECKING:
    from pathlib import Path

ADDRESS = {
    "postal_address": {
        "address_line1": "17 Orchard Row",
        "address_line2": "",
        "city": "Millbrook",
        "state": "",
        "post_code": "MB4 7QT",
        "country_code": "GB",
    }
}
NORTHGRID = {"provider": {"id": "prv_f8ef1ff3c8f7b513076fb77c"}}  # LIBRARY in the default scenario
BRIGHTWAVE = {"provider": {"id": "prv_0ee44aecb5a0efde07780b11"}}  # DIRECT, connects
NORTHGRID_STANDARD = {"tariff": {"id": "trt_adeddae17fe8e92398b3b78a"}}
LIBRARY = {
    "postal_address_capture": {"data": ADDRESS},
    "provider_select": {"data": NORTHGRID},
    "tariff_select": {"data": NORTHGRID_STANDARD},
    "summary_fixed_confirm": {"action": "SAVE"},
    "tariffs_summary": {"action": "CLOSE"},
}


class TestSimulatedConnect:
    """simulated_connect() and its run()."""

    @pytest.mark.parametrize(("version", "action"), [("zero", "SAVE"), ("anode", "CLOSE")])
    async def test_a_library_session_completes(self, version: str, action: str) -> None:
        """A scripted LIBRARY session completes on the simulator, and the token exchanges."""
        async with simulated_connect(version) as connect:
            run = await connect.run(LIBRARY)
            exchanged = await connect.api.exchange(connect.token, version=version)
        assert run.outcome.status is OutcomeStatus.COMPLETE
        assert run.outcome.action == action
        assert run.routes[:3] == ("postal_address_capture", "provider_select", "tariff_select")
        assert exchanged.location_id is not None
        assert exchanged.location_id.startswith("loc_")

    async def test_a_direct_provider_login_is_approved(self) -> None:
        """A DIRECT provider's login is approved through the simulator's page, then resumed."""
        script = {**LIBRARY, "provider_select": {"data": BRIGHTWAVE}}
        script["summary_tou_confirm"] = {"action": "SAVE"}
        async with simulated_connect("zero") as connect:
            run = await connect.run(script)
        assert run.outcome.status is OutcomeStatus.COMPLETE
        assert "session_redirect" in run.state.history
        assert "tariff_select" not in run.routes

    async def test_pages_keep_their_errors_and_values(self) -> None:
        """A page answered wrongly is captured again with the client error and the typed values."""
        typo = {"postal_address": {**ADDRESS["postal_address"], "city": ""}}
        script = [
            {"route": "postal_address_capture", "data": typo},
            {"route": "postal_address_capture", "data": ADDRESS},
            {"route": "provider_select", "data": NORTHGRID},
            {"route": "tariff_select", "data": NORTHGRID_STANDARD},
            {"route": "summary_fixed_confirm", "action": "SAVE"},
        ]
        async with simulated_connect("zero") as connect:
            run = await connect.run(script)
        assert run.outcome.status is OutcomeStatus.COMPLETE
        again = run.pages[1]
        assert again.page.route == "postal_address_capture"
        assert [(e.code, e.source) for e in again.errors] == [("city_missing", "client")]
        assert again.values == typo

    async def test_a_script_that_runs_out_is_a_script_error(self) -> None:
        """A script shorter than the session stops with a ScriptError naming the page."""
        async with simulated_connect("zero") as connect:
            with pytest.raises(ScriptError, match=r"ran out after 1 steps.*'provider_select'"):
                await connect.run([{"route": "postal_address_capture", "data": ADDRESS}])


class TestRunScripted:
    """run_scripted() on its own."""

    async def test_a_script_file_and_an_extra_renderer(self, tmp_path: Path) -> None:
        """run_scripted reads a script file and renders with the caller's renderer as well."""
        path = tmp_path / "script.json"
        path.write_text(json.dumps(LIBRARY), encoding="utf-8")
        async with simulated_connect("anode") as connect:
            run = await run_scripted(
                "anode",
                connect.token,
                path,
                url=connect.connect_url,
                callback_url=connect.callback_url,
                renderer=NamedRenderer("mine"),
            )
        assert run.outcome.status is OutcomeStatus.COMPLETE
        assert run.pages[0].errors == ()

    async def test_url_or_transport_must_be_given(self) -> None:
        """Neither url nor transport is a usage error."""
        with pytest.raises(ValueError, match="either url or transport"):
            await run_scripted("zero", "cot_x", [])
