"""The sans-IO machine: the transition table, exhaustively, and its rules, with no event loop."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from engine_support import CALLBACK_URL, TOKEN, error_body, fixture, step

from flatpeak_connect.engine.errors import TransitionRefused
from flatpeak_connect.engine.machine import (
    TRANSITIONS,
    AskAgain,
    Machine,
    MachineEvent,
    OpenLogin,
    PageBroken,
    Request,
    ServerFault,
    SessionOver,
    SessionStatus,
    ShowPage,
    add_fp_cot,
    next_status,
    same_url,
    to_mermaid,
)
from flatpeak_connect.engine.models import OutcomeStatus, Submission
from flatpeak_connect.engine.spec import load_pack
from flatpeak_connect.engine.validation import get_validator

# The table the machine must implement, written out a second time on purpose: a change to the
# lifecycle has to be made in both places, knowingly.
EXPECTED: dict[tuple[str, str], str] = {
    ("new", "start"): "starting",
    ("new", "close"): "closed",
    ("starting", "page"): "awaiting_input",
    ("starting", "redirect"): "redirecting",
    ("starting", "complete"): "complete",
    ("starting", "expire"): "expired",
    ("starting", "fail"): "failed",
    ("starting", "send_failed"): "failed",
    ("awaiting_input", "submit"): "submitting",
    ("awaiting_input", "start"): "starting",
    ("awaiting_input", "close"): "closed",
    ("submitting", "page"): "awaiting_input",
    ("submitting", "rejected"): "awaiting_input",
    ("submitting", "redirect"): "redirecting",
    ("submitting", "complete"): "complete",
    ("submitting", "expire"): "expired",
    ("submitting", "fail"): "failed",
    ("submitting", "send_failed"): "awaiting_input",
    ("redirecting", "resume"): "starting",
    ("redirecting", "start"): "starting",
    ("redirecting", "close"): "closed",
    ("failed", "start"): "starting",
    ("failed", "resume"): "starting",
}
ALL_PAIRS = list(itertools.product(SessionStatus, MachineEvent))


def machine(version: str, **kw: Any) -> Machine:
    """A machine for ``version`` with the real pack and validator."""
    return Machine(load_pack(version), get_validator(version), **kw)


def on_page(version: str, page: str, **kw: Any) -> Machine:
    """A machine started and showing the fixture ``page``."""
    m = machine(version, **kw)
    m.start(TOKEN)
    effect = m.receive(fixture(version, "pages", page))
    assert isinstance(effect, ShowPage)
    return m


class TestTransitionTable:
    """The transition table, every status against every event."""

    @pytest.mark.parametrize(("status", "event"), ALL_PAIRS, ids=str)
    def test_every_status_and_event(self, status: SessionStatus, event: MachineEvent) -> None:
        """Each (status, event) goes where the table says, or is refused with TransitionRefused."""
        expected = EXPECTED.get((status.value, event.value))
        m = machine("anode", status=status)
        if expected is None:
            with pytest.raises(TransitionRefused):
                m.fire(event)
            assert m.status is status
        else:
            assert m.fire(event) is SessionStatus(expected)
            assert next_status(status, event) is SessionStatus(expected)

    def test_the_table_has_nothing_more(self) -> None:
        """The machine's table is exactly the expected one (no transition added silently)."""
        assert {(s.value, e.value): t.value for (s, e), t in TRANSITIONS.items()} == EXPECTED

    def test_the_ends_accept_nothing(self) -> None:
        """complete, closed and expired refuse every event, and say the session is over."""
        for status in (SessionStatus.COMPLETE, SessionStatus.CLOSED, SessionStatus.EXPIRED):
            for event in MachineEvent:
                with pytest.raises(TransitionRefused, match="over"):
                    next_status(status, event)

    def test_mermaid_draws_every_transition(self) -> None:
        """to_mermaid() is a state diagram with one line per transition and the ends marked."""
        drawing = to_mermaid()
        assert drawing.startswith("stateDiagram-v2\n")
        for (source, event), target in EXPECTED.items():
            assert f"    {source} --> {target} : {event}\n" in drawing
        for end in ("complete", "closed", "expired"):
            assert f"    {end} --> [*]\n" in drawing
        assert Machine.to_mermaid() == drawing


class TestRequests:
    """The requests the machine says to send."""

    def test_start_builds_the_version_start_route(self) -> None:
        """start() returns the start request of the version, with the token and nothing else."""
        assert machine("zero").start(TOKEN).payload == {
            "connect_token": TOKEN,
            "route": "session_restore",
        }
        assert machine("anode").start(TOKEN).payload == {
            "connect_token": TOKEN,
            "route": "session_start",
        }

    def test_start_needs_a_token(self) -> None:
        """An empty token is refused before anything changes."""
        m = machine("zero")
        with pytest.raises(ValueError, match="token"):
            m.start("")
        assert m.status is SessionStatus.NEW

    def test_resume_sends_the_first_resume_route(self) -> None:
        """resume() after a provider login sends resume_routes[0] (anode: session_start)."""
        m = on_page("anode", "provider_select")
        m.submit(Submission(**step("anode", "provider_select")))
        assert isinstance(m.receive(fixture("anode", "pages", "session_redirect")), OpenLogin)
        request = m.resume()
        assert request.route == "session_start"
        assert m.status is SessionStatus.STARTING

    def test_submit_answers_with_the_page_route_spelling(self) -> None:
        """An answer given for the canonical name is posted under the alias Connect used."""
        page = {**fixture("anode", "pages", "tariffs_summary"), "route": "tariff_summary"}
        m = machine("anode")
        m.start(TOKEN)
        assert isinstance(m.receive(page), ShowPage)
        request = m.submit(Submission("tariffs_summary", action="CLOSE"))
        assert isinstance(request, Request)
        assert request.payload["route"] == "tariff_summary"


class TestRefusals:
    """Submissions refused before anything is sent."""

    def test_action_not_offered_is_refused(self) -> None:
        """An action missing from the page's actions and the universal ones is refused."""
        m = on_page("zero", "summary_fixed_confirm")
        with pytest.raises(TransitionRefused, match=r"'RECONNECT' is not offered.*SAVE"):
            m.submit(Submission("summary_fixed_confirm", action="RECONNECT"))
        assert m.status is SessionStatus.AWAITING_INPUT

    def test_universal_actions_are_allowed_where_the_page_omits_them(self) -> None:
        """Anode's BACK and CLOSE pass even on a page whose actions array leaves them out."""
        m = on_page("anode", "postal_address_capture")
        assert m.page is not None
        assert m.page.actions == ()
        assert isinstance(m.submit(Submission("postal_address_capture", action="BACK")), Request)

    def test_an_offered_action_the_schema_does_not_document_is_sent(self) -> None:
        """An action Connect offers is sent even when the pack does not document it."""
        page = fixture("anode", "pages", "tariff_connection_pending")
        page["actions"] = [*page.get("actions", []), "SNOOZE"]
        m = machine("anode")
        m.start(TOKEN)
        m.receive(page)
        assert isinstance(m.submit(Submission(page["route"], action="SNOOZE")), Request)

    def test_data_on_an_action_only_page_is_refused(self) -> None:
        """A summary takes an action only; data there is refused before sending."""
        m = on_page("anode", "tariffs_summary")
        with pytest.raises(TransitionRefused, match="action only"):
            m.submit(Submission("tariffs_summary", data={"tariff": {"name": "x"}}))

    def test_an_answer_for_another_page_is_refused(self) -> None:
        """An answer naming another route than the current page's is refused."""
        m = on_page("zero", "provider_select")
        with pytest.raises(TransitionRefused, match="current page is 'provider_select'"):
            m.submit(Submission(**step("zero", "tariff_select")))

    def test_nothing_is_accepted_after_the_end(self) -> None:
        """After session_complete, a submission is refused: the session is over."""
        m = on_page("zero", "summary_fixed_confirm")
        m.submit(Submission("summary_fixed_confirm", action="SAVE"))
        assert isinstance(m.receive(fixture("zero", "pages", "session_complete")), SessionOver)
        with pytest.raises(TransitionRefused, match="over"):
            m.submit(Submission("summary_fixed_confirm", action="SAVE"))

    def test_a_second_answer_during_the_first_is_refused(self) -> None:
        """While an answer is in flight, another is refused (no double submit)."""
        m = on_page("zero", "provider_select")
        m.submit(Submission(**step("zero", "provider_select")))
        with pytest.raises(TransitionRefused, match="already in flight"):
            m.submit(Submission(**step("zero", "provider_select")))

    def test_receive_without_a_request_is_refused(self) -> None:
        """A response with no request in flight is refused."""
        m = on_page("zero", "provider_select")
        with pytest.raises(TransitionRefused, match="no request"):
            m.receive(fixture("zero", "pages", "tariff_select"))


class TestAnswers:
    """How the machine reads answers and responses."""

    def test_invalid_answer_is_asked_again_with_client_errors(self) -> None:
        """An answer the schema refuses is not sent: the same page, client errors, the values."""
        m = on_page("zero", "rate_fixed_capture")
        result = m.submit(Submission("rate_fixed_capture", data={"cost": -1}))
        assert isinstance(result, AskAgain)
        assert [(e.code, e.source) for e in result.errors] == [("cost_value_negative", "client")]
        assert result.values == {"cost": -1}
        assert m.status is SessionStatus.AWAITING_INPUT
        assert m.values == {"cost": -1}

    def test_server_validation_error_maps_to_its_field(self) -> None:
        """A documented code in Connect's error body becomes a server FieldError at its field."""
        m = on_page("anode", "postal_address_capture")
        m.submit(Submission(**step("anode", "postal_address_capture")))
        result = m.receive(error_body("anode", code="city_missing"))
        assert isinstance(result, AskAgain)
        assert [(e.pointer, e.code, e.source) for e in result.errors] == [
            ("/postal_address/city", "city_missing", "server")
        ]
        assert m.status is SessionStatus.AWAITING_INPUT

    def test_api_error_is_a_server_fault_and_keeps_the_answer(self) -> None:
        """An api_error body on an answer is a fault: the page awaits input, answer kept."""
        m = on_page("zero", "provider_select")
        sent = Submission(**step("zero", "provider_select"))
        m.submit(sent)
        result = m.receive(error_body("zero", kind="api_error"))
        assert isinstance(result, ServerFault)
        assert m.status is SessionStatus.AWAITING_INPUT
        assert m.last_submission == sent

    def test_an_error_at_start_fails_the_session(self) -> None:
        """A refusal of the start (not expiry) ends the session failed with Connect's message."""
        m = machine("anode")
        m.start(TOKEN)
        result = m.receive(error_body("anode", code="action_invalid"))
        assert isinstance(result, SessionOver)
        assert result.outcome.status is OutcomeStatus.FAILED
        assert m.status is SessionStatus.FAILED

    def test_a_broken_page_fails_with_pointers(self) -> None:
        """A page that breaks its schema fails the session, pointing into the page."""
        page = fixture("zero", "pages", "tariff_select")
        page["data"]["tariffs"][0]["id"] = 7
        m = machine("zero")
        m.start(TOKEN)
        result = m.receive(page)
        assert isinstance(result, PageBroken)
        assert [e.pointer for e in result.errors] == ["/data/tariffs/0/id"]
        assert m.status is SessionStatus.FAILED

    def test_session_complete_ends_with_its_url_and_action(self) -> None:
        """Zero's session_complete ends complete with data.callback_uri and the ending action."""
        m = on_page("zero", "summary_fixed_confirm")
        m.submit(Submission("summary_fixed_confirm", action="DISCONNECT"))
        page = fixture("zero", "pages", "session_complete.callback_url")
        result = m.receive(page)
        assert isinstance(result, SessionOver)
        assert result.outcome.status is OutcomeStatus.COMPLETE
        assert result.outcome.action == "DISCONNECT"
        assert result.outcome.callback_url == page["data"]["callback_url"]

    def test_a_login_url_that_is_not_http_fails(self) -> None:
        """A provider login to a non-http(s) URL is not opened: the session fails."""
        m = on_page("anode", "provider_select")
        m.submit(Submission(**step("anode", "provider_select")))
        result = m.receive(fixture("anode", "pages", "session_redirect.deep_link"))
        assert isinstance(result, SessionOver)
        assert result.outcome.status is OutcomeStatus.FAILED

    def test_a_deep_link_callback_still_ends_the_session(self) -> None:
        """A redirect to the (deep-link) callback URL the host gave ends the session."""
        m = on_page("anode", "provider_select", callback_url="exampleapp://flatpeak/return")
        m.submit(Submission(**step("anode", "provider_select")))
        result = m.receive(fixture("anode", "pages", "session_redirect.deep_link"))
        assert isinstance(result, SessionOver)
        assert result.outcome.status is OutcomeStatus.COMPLETE

    def test_close_ends_the_session_on_the_client(self) -> None:
        """close() ends a session awaiting input as closed, on the current route."""
        m = on_page("zero", "provider_select")
        outcome = m.close()
        assert outcome.status is OutcomeStatus.CLOSED
        assert outcome.route == "provider_select"
        assert m.status is SessionStatus.CLOSED


class TestUrls:
    """fp_cot and the callback URL comparison."""

    def test_fp_cot_is_added_once(self) -> None:
        """fp_cot is appended to a URL's query, and left alone when already there."""
        assert (
            add_fp_cot("https://login.example.com", TOKEN)
            == f"https://login.example.com?fp_cot={TOKEN}"
        )
        assert (
            add_fp_cot("https://l.example.com/a?x=1#f", TOKEN)
            == f"https://l.example.com/a?x=1&fp_cot={TOKEN}#f"
        )
        already = f"https://l.example.com/?fp_cot={TOKEN}"
        assert add_fp_cot(already, "cot_other") == already

    def test_same_url_ignores_query_case_port_and_slash(self) -> None:
        """The callback comparison ignores query, letter case, default port and a final slash."""
        assert same_url("https://App.Example.org:443/flatpeak/done/?fp_cot=x", CALLBACK_URL)
        assert not same_url("https://app.example.org/flatpeak/other", CALLBACK_URL)
        assert not same_url("http://app.example.org/flatpeak/done", CALLBACK_URL)
        assert not same_url("https://app.example.org:8443/flatpeak/done", CALLBACK_URL)
