"""The simulator's check of its own output against the schema packs.

In strict mode every body the Connect endpoint sends (a page, or an error object) is validated
against the pack of the session's version before it goes out; a page that breaks its schema is
a bug in the simulator (or in the pack), and it is answered as a loud 500 rather than sent.

The check reads the packs as data (``flatpeak_connect.schemas``). Validate fast, explain slow:
a compiled ``jsonschema-rs`` validator gives the verdict in microseconds, and only a body it
rejects goes through ``jsonschema`` for the pointer and the reason of each violation. Both work
over a registry of every file in the pack, so relative ``$ref``s resolve locally and nothing is
ever fetched.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import jsonschema
import jsonschema_rs
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from flatpeak_connect import schemas

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["PackCheck", "SelfCheck", "pack_check"]


def _refuse(uri: str) -> Any:
    # Every schema of a pack is registered up front; a reference outside it is a pack bug.
    raise ValueError(f"schema packs never fetch schemas, and {uri} is not in the pack")


def _pointer(path: Any) -> str:
    return "".join(f"/{str(part).replace('~', '~0').replace('/', '~1')}" for part in path)


class PackCheck:
    """Validates documents against one version's schema pack.

    Args:
        version: the pack's name (``zero``, ``anode``).

    Raises:
        LookupError: there is no pack for ``version``.
    """

    def __init__(self, version: str) -> None:
        self.version = version
        documents: dict[str, dict[str, Any]] = {}
        for name, resource in schemas.iter_schema_files(version):
            documents[name] = schemas.read_json(resource)
        self._documents = documents
        self._registry: Registry[Any] = Registry().with_resources(
            (doc["$id"], Resource.from_contents(doc, default_specification=DRAFT202012))
            for doc in documents.values()
            if "$id" in doc
        )
        pack = schemas.read_json(schemas.pack_root(version).joinpath("pack.json"))
        routes: Mapping[str, Any] = pack.get("routes", {})
        self._canonical = {
            alias: route for route, spec in routes.items() for alias in spec.get("aliases", ())
        }
        self._rs_registry = jsonschema_rs.Registry(
            [(doc["$id"], doc) for doc in documents.values() if "$id" in doc], retriever=_refuse
        )
        self._validators: dict[str, tuple[Any, jsonschema.protocols.Validator]] = {}

    def _validator(self, name: str) -> tuple[Any, jsonschema.protocols.Validator] | None:
        if name not in self._validators:
            schema = self._documents.get(name)
            if schema is None:
                return None
            fast = jsonschema_rs.validator_for(
                {"$schema": schema["$schema"], "$ref": schema["$id"]},
                registry=self._rs_registry,
                retriever=_refuse,
                validate_formats=False,
            )
            self._validators[name] = (
                fast,
                jsonschema.Draft202012Validator(schema, registry=self._registry),
            )
        return self._validators[name]

    def problems(self, body: Mapping[str, Any]) -> list[str]:
        """Return what is wrong with ``body`` (a page or an error object); empty when valid."""
        if body.get("object") == "error":
            name = "error.json"
        else:
            route = str(body.get("route"))
            name = f"pages/{self._canonical.get(route, route)}.json"
        validators = self._validator(name)
        if validators is None:
            return [f"the {self.version} pack has no schema {name}"]
        fast, explaining = validators
        if fast.is_valid(body):
            return []
        errors = sorted(explaining.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))
        return [f"{_pointer(e.absolute_path) or '/'}: {e.message}" for e in errors]


_lock = threading.Lock()
_checks: dict[str, PackCheck] = {}


def pack_check(version: str) -> PackCheck:
    """Return the check of a version's pack, built once per process (packs do not change).

    Raises:
        LookupError: there is no pack for ``version``.
    """
    with _lock:
        if version not in _checks:
            _checks[version] = PackCheck(version)
        return _checks[version]


class SelfCheck:
    """Checks outgoing bodies against the pack of their version.

    Strict mode exists to catch pages that break their schema, so a version the simulator
    speaks but that has no pack is an error too (the body is answered as a 500).
    """

    def problems(self, version: str, body: Mapping[str, Any]) -> list[str]:
        """Return what is wrong with ``body`` for ``version``; empty when valid."""
        try:
            check = pack_check(version)
        except LookupError as error:
            return [str(error)]
        return check.problems(body)
