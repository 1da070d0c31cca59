"""The route graph (Mermaid) and the route table, drawn from the mini pack's route specs."""

from __future__ import annotations

import attrs
from validation_support import minipack_pack

from flatpeak_connect.cli.routes import field_summary, route_table
from flatpeak_connect.engine.graph import mermaid_id, route_graph_mermaid
from flatpeak_connect.engine.spec import EdgeSpec


class TestMermaidId:
    """Node ids safe for Mermaid."""

    def test_prefix_keeps_keywords_out(self) -> None:
        """A route called `end` (a Mermaid keyword) gets an id that is not a keyword."""
        assert mermaid_id("end") == "r_end"

    def test_unsafe_characters_become_underscores(self) -> None:
        """Anything but letters, digits and `_` becomes `_`."""
        assert mermaid_id('a-b c"d') == "r_a_b_c_d"


class TestRouteGraph:
    """route_graph_mermaid on the mini pack."""

    def test_flowchart_with_a_node_per_route_shaped_by_kind(self) -> None:
        """Pages are boxes, redirects hexagons; aliases are shown beside the name."""
        lines = route_graph_mermaid(minipack_pack()).splitlines()
        assert lines[0] == "flowchart TD"
        assert '    r_pick["pick"]' in lines
        assert '    r_summary["summary / summaries"]' in lines
        assert '    r_session_redirect{{"session_redirect"}}' in lines

    def test_edges_are_labelled_and_quoted(self) -> None:
        """Each edge carries what leads along it, with its own label in brackets."""
        lines = route_graph_mermaid(minipack_pack()).splitlines()
        assert '    r_pick -->|"data (DIRECT provider)"| r_session_redirect' in lines
        assert '    r_pick -->|"PROVIDER_MISSING"| r_rates' in lines
        assert '    r_summary -->|"EDIT"| r_pick' in lines

    def test_quotes_in_labels_are_escaped(self) -> None:
        """A `"` in an edge label cannot end the quoted label early."""
        pack = minipack_pack()
        spec = pack.routes["pick"]
        edge = EdgeSpec(on="data", to="rates", label='the "other" way')
        routes = {**pack.routes, "pick": attrs.evolve(spec, next=(edge,))}
        text = route_graph_mermaid(attrs.evolve(pack, routes=routes))
        assert '-->|"data (the #quot;other#quot; way)"| r_rates' in text

    def test_edge_to_an_unknown_route_still_draws_a_node(self) -> None:
        """An edge's target that is no route of the pack gets a node of its own."""
        pack = minipack_pack()
        spec = pack.routes["summary"]
        edge = EdgeSpec(on="SAVE", to="session_complete")
        routes = {**pack.routes, "summary": attrs.evolve(spec, next=(edge,))}
        lines = route_graph_mermaid(attrs.evolve(pack, routes=routes)).splitlines()
        assert '    r_session_complete["session_complete"]' in lines
        assert '    r_summary -->|"SAVE"| r_session_complete' in lines


class TestRouteTable:
    """The `routes` command's table, built in-process."""

    def test_field_summary_marks_required_fields_and_items(self) -> None:
        """A periods field lists its items; required fields carry `*`."""
        rates = minipack_pack().routes["rates"]
        assert field_summary(rates.fields[0]) == (
            "hours:periods*[valid_from:time*, valid_to:time*, cost:money*]"
        )

    def test_one_line_per_route_between_header_and_summary(self) -> None:
        """The table has a header, a line per route in pack order, and a summary line."""
        lines = route_table(minipack_pack())
        assert lines[0].split() == ["ROUTE", "KIND", "ACTIONS", "FIELDS"]
        assert [line.split()[0] for line in lines[1:-1]] == [
            "address_capture",
            "pick",
            "rates",
            "summary",
            "session_redirect",
        ]
        assert lines[-1] == (
            "5 routes in mini (2099-01-01.mini); start: session_begin; "
            "allowed on every page: BACK, CLOSE"
        )

    def test_columns_line_up(self) -> None:
        """Every row's second column starts where the header's KIND does."""
        lines = route_table(minipack_pack())
        column = lines[0].index("KIND")
        assert all(line[column - 2 : column] == "  " for line in lines[1:-1])
        assert all(line[column] != " " for line in lines[1:-1])
