"""A plain HTTP client for the simulator tests, with its own check of every body against the packs.

Nothing here comes from the engine or from the simulator: the tests talk to the running
simulator over real HTTP with ``aiohttp.ClientSession`` and hold every body it sends to the
schema packs through a ``jsonschema`` registry built here, independently of the simulator's own
strict mode. They also hold the simulator to the packs' route specs: the actions a page offers
are actions the pack documents for its route, and an error code is one the pack lists for the
route answered.
"""

from __future__ import annotations

import base64
import functools
import json
from typing import TYPE_CHECKING, Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from flatpeak_connect import schemas

if TYPE_CHECKING:
    import aiohttp

VERSIONS = ("zero", "anode")
CALLBACK = "https://app.example.org/flatpeak/done?tab=energy"
RETURN = "https://app.example.org/flatpeak/return"
START = {"zero": "session_restore", "anode": "session_start"}
STATUS = {"zero": 409, "anode": 400}

# Codes about the session or the envelope rather than a route's data (the brief's FieldError
# convention: action_invalid/action_missing are envelope problems on any route); the
# simulator's own choices (docs/simulator.md) are marked so.
SESSION_CODES = frozenset(
    {
        "action_invalid",
        "action_missing",
        "token_expired",
        "token_not_found",  # simulator's choice: an unknown token
        "route_invalid",  # simulator's choice: a route the session cannot answer now
        "data_json_invalid",
    }
)

GB = {
    "address_line1": "17 Orchard Row",
    "address_line2": "Unit 4",
    "city": "Millbrook",
    "state": "",
    "post_code": "MB4 7QT",
    "country_code": "GB",
}
US = {
    "address_line1": "12 Sample Road",
    "city": "Springfield",
    "state": "IL",
    "post_code": "62701",
    "country_code": "US",
}
NL = {"address_line1": "Dijkweg 12", "city": "Zwolle", "post_code": "8011 AB", "country_code": "NL"}
IE = {"address_line1": "4 Quay Street", "city": "Galway", "post_code": "H91", "country_code": "IE"}

BRIGHTWAVE = "prv_0ee44aecb5a0efde07780b11"  # GB: DIRECT (connected), then LIBRARY
NORTHGRID = "prv_f8ef1ff3c8f7b513076fb77c"  # GB: LIBRARY
HILLTOP = "prv_eaf69b96162ebcda9d1bf80e"  # GB: DIRECT, stays pending
STONEBRIDGE = "prv_c86ddd300d1d0cb03f25e9de"  # GB: DIRECT, fails
FENLAND = "prv_08430575d2478eb59fc7a422"  # GB: MARKET, one region
VILLAGE = "prv_47b28be2c7ae7a86affbec1b"  # GB: MANUAL
PRAIRIE = "prv_59f8d67773a7474e57f993b1"  # US: LIBRARY
LAKESHORE = "prv_634eab9af0969a21ba4c1bac"  # US: MANUAL
POLDER = "prv_692dfdc2a1aad5ef006e704d"  # NL: MARKET, two regions
TULIP = "prv_01e2fc23cbf467027039e02f"  # NL: MANUAL
LIFFEY = "prv_3bcf07fdd81cd0c306aab85f"  # IE: MARKET, but no region can be found
ECO_FIX = "trt_cbdc8bffaf6ef5cfcdae5913"  # Brightwave, FIXED
NIGHT_OWL = "trt_218f7987527d31353f56535f"  # Brightwave, TIME_OF_DAY
NORTHGRID_E7 = "trt_8ca73a1d15d78d57eb3979c8"  # Northgrid, TIME_OF_DAY
PRAIRIE_FLAT = "trt_e54da3d5a1cb4d9272b4007c"  # Prairie, FIXED
LOC_CONNECTED = "loc_7d7c3cf2f65e51908c062fea"
LOC_PENDING = "loc_0caf1fbb50f21c4f4daa115c"
LOC_FAILED = "loc_e3ebb62b7abbf39212122ba5"
LOC_MARKET = "loc_294d7b2ef246d419a2d2062c"

TOD_HOURS = [
    {"cost": 0.312, "valid_from": "06:30:00", "valid_to": "23:30:00"},
    {"cost": 0.095, "valid_from": "23:30:00", "valid_to": "06:30:00"},
]


class PackSchemas:
    """One version's schema pack, read as data and compiled here (not by the simulator)."""

    def __init__(self, version: str) -> None:
        documents = {
            name: schemas.read_json(res) for name, res in schemas.iter_schema_files(version)
        }
        registry: Registry[Any] = Registry().with_resources(
            (doc["$id"], Resource.from_contents(doc, default_specification=DRAFT202012))
            for doc in documents.values()
        )
        self.version = version
        self.pack = schemas.read_json(schemas.pack_root(version).joinpath("pack.json"))
        self.routes: dict[str, Any] = self.pack["routes"]
        self.alias = {a: r for r, spec in self.routes.items() for a in spec.get("aliases", ())}
        self.validators = {
            name: jsonschema.Draft202012Validator(doc, registry=registry)
            for name, doc in documents.items()
        }

    def canonical(self, route: str) -> str:
        """Return the route a name stands for (an alias's canonical route)."""
        return self.alias.get(route, route)

    def page_problems(self, body: dict[str, Any]) -> list[str]:
        """Return what is wrong with a body the simulator sent; empty when valid."""
        name = (
            "error.json"
            if body.get("object") == "error"
            else f"pages/{self.canonical(str(body.get('route')))}.json"
        )
        validator = self.validators.get(name)
        if validator is None:
            return [f"no schema {name} in the {self.version} pack"]
        return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]

    def route_actions(self, route: str) -> set[str]:
        """Return the actions the pack documents for a route, universal ones included."""
        spec = self.routes[self.canonical(route)]
        return {a["name"] for a in spec.get("actions", ())} | set(self.pack["universal_actions"])

    def route_codes(self, route: str) -> set[str]:
        """Return the validation codes the pack documents for a route."""
        return set(self.routes[self.canonical(route)].get("errors", {}))


@functools.cache
def pack(version: str) -> PackSchemas:
    """Return the compiled pack of a version (built once per test run)."""
    return PackSchemas(version)


def assert_conforms(
    version: str, body: dict[str, Any], route_answered: str | None, status: int
) -> None:
    """Assert that a Connect body is what the pack allows: schema, actions, error codes.

    The error code is held to the route's documented codes only for a validation error (the
    version's status); injected 5xx and 429 answers carry codes of their own.
    """
    checked = pack(version)
    problems = checked.page_problems(body)
    assert not problems, f"{version} body breaks its schema: {problems}\n{json.dumps(body)}"
    if body.get("object") == "error":
        if status == STATUS[version] and (
            route_answered in checked.routes or route_answered in checked.alias
        ):
            allowed = checked.route_codes(route_answered) | SESSION_CODES
            assert body["code"] in allowed, f"{body['code']} is not a code of {route_answered}"
        return
    route = str(body["route"])
    if route in checked.routes or route in checked.alias:
        offered = set(body.get("actions") or ())
        undocumented = offered - checked.route_actions(route)
        assert not undocumented, f"{route} offers {undocumented}, which the pack does not list"


def basic_auth(user: str, password: str) -> str:
    """Return an HTTP Basic ``Authorization`` header value."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class Backend:
    """The back-end API of a running simulator, as an app's server calls it."""

    def __init__(
        self, http: aiohttp.ClientSession, base: str, account_id: str, api_key: str
    ) -> None:
        self.http = http
        self.base = base
        self.account_id = account_id
        self.api_key = api_key
        self._bearer: str | None = None

    async def bearer(self) -> str:
        """Log in once and return the bearer token."""
        if self._bearer is None:
            headers = {"Authorization": basic_auth(self.account_id, self.api_key)}
            async with self.http.get(f"{self.base}/login", headers=headers) as response:
                assert response.status == 200, await response.text()
                self._bearer = (await response.json())["bearer_token"]
        return self._bearer

    async def create_token_raw(
        self, version: str, fields: dict[str, Any], *, path: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        """POST a token creation body as given; return the status and the JSON answer."""
        path = path or {"zero": "/connect/tariff/token", "anode": "/connect/token"}[version]
        headers = {"Authorization": f"Bearer {await self.bearer()}"}
        async with self.http.post(f"{self.base}{path}", json=fields, headers=headers) as response:
            return response.status, await response.json()

    async def create_token(self, version: str, **fields: Any) -> str:
        """Create a connect token with the version's URL fields filled in; return it."""
        defaults: dict[str, Any] = (
            {"callback_uri": CALLBACK, "connect_web_uri": RETURN}
            if version == "zero"
            else {"callback_url": CALLBACK, "connect_url": RETURN}
        )
        status, body = await self.create_token_raw(version, {**defaults, **fields})
        assert status == 200, body
        return str(body["connect_token"])

    async def exchange(self, token: str) -> tuple[int, dict[str, Any]]:
        """Exchange a token; return the status and the JSON answer."""
        headers = {"Authorization": f"Bearer {await self.bearer()}"}
        url = f"{self.base}/connect/tariff/token"
        async with self.http.get(url, params={"connect_token": token}, headers=headers) as response:
            return response.status, await response.json()


class Connect:
    """One Connect session, posted like FlatPeak's web clients post it.

    Every request carries ``"type": "submit"``; zero bodies go as ``text/plain`` (the zero web
    client sets no content type), anode bodies as JSON. Every answer is held to the pack.
    """

    def __init__(
        self,
        http: aiohttp.ClientSession,
        base: str,
        token: str,
        version: str,
        seen: set[str] | None = None,
    ) -> None:
        self.http = http
        self.base = base
        self.token = token
        self.version = version
        self.seen = seen if seen is not None else set()
        self.page: dict[str, Any] = {}

    async def send(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """POST one body to the Connect endpoint; return status and JSON, checked."""
        content_type = "text/plain;charset=UTF-8" if self.version == "zero" else "application/json"
        async with self.http.post(
            f"{self.base}/", data=json.dumps(body), headers={"Content-Type": content_type}
        ) as response:
            answer = await response.json(content_type=None)
            status = response.status
        assert_conforms(self.version, answer, body.get("route"), status)
        if answer.get("object") != "error":
            self.page = answer
            self.seen.add(pack(self.version).canonical(answer["route"]))
        return status, answer

    async def post(
        self,
        route: str | None,
        *,
        action: str | None = None,
        data: Any = None,
        status: int = 200,
    ) -> dict[str, Any]:
        """Post an answer (or a start) and assert the HTTP status."""
        body: dict[str, Any] = {"connect_token": self.token, "type": "submit"}
        if route is not None:
            body["route"] = route
        if action is not None:
            body["action"] = action
        if data is not None:
            body["data"] = data
        got, answer = await self.send(body)
        assert got == status, f"expected {status}, got {got}: {answer}"
        return answer

    async def start(self, route: str | None = None) -> dict[str, Any]:
        """Post the start (or resume) route."""
        return await self.post(route or START[self.version])

    async def answer(self, *, action: str | None = None, data: Any = None) -> dict[str, Any]:
        """Answer the page the session is on, expecting a page back."""
        return await self.post(self.page["route"], action=action, data=data)

    async def refused(
        self, code: str, *, route: str | None = None, action: str | None = None, data: Any = None
    ) -> dict[str, Any]:
        """Answer a page, expecting the version's validation error with ``code``."""
        route = route or self.page["route"]
        error = await self.post(route, action=action, data=data, status=STATUS[self.version])
        assert error["object"] == "error", error
        assert error["code"] == code, error
        assert error["context"] == f"connect.{route}"
        assert error["connect_token"] == self.token
        assert error["type"] == "invalid_request"
        assert error["request_id"].startswith("req_")
        return error

    # -- walks: the shortest way to each page -------------------------------------------

    async def to_providers(self, address: dict[str, str] = GB) -> dict[str, Any]:
        """Start and give an address: the provider list."""
        await self.start()
        return await self.answer(data={"postal_address": address})

    async def to_structure(
        self, address: dict[str, str] = GB, provider: str = VILLAGE
    ) -> dict[str, Any]:
        """Reach the tariff structure page through a MANUAL provider."""
        await self.to_providers(address)
        return await self.answer(data={"provider": {"id": provider}})


async def decide(http: aiohttp.ClientSession, login_url: str, decision: str = "approve") -> str:
    """Answer a provider login page without a browser; return where it sends the customer."""
    async with http.post(login_url, data={"decision": decision}, allow_redirects=False) as response:
        assert response.status == 303, await response.text()
        return response.headers["Location"]
