"""``flatpeak-connect token create|exchange``: the back-end calls around a Connect session."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flatpeak_connect.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from flatpeak_connect.engine.backend import (
    DEFAULT_BASE_URL,
    ENV_ACCOUNT_ID,
    ENV_API_KEY,
    FlatPeakAPI,
)
from flatpeak_connect.engine.errors import BackendError, UnknownVersion
from flatpeak_connect.engine.spec import available_versions, load_pack

if TYPE_CHECKING:
    from flatpeak_connect.engine.backend import TokenExchange

__all__ = ["credentials_for", "is_local", "register"]

_DESCRIPTION = """\
Call FlatPeak's back-end API: create a connect token for a session, or exchange the token of a
finished session for the ids to store. Credentials come from --account-id/--api-key, else from
FLATPEAK_ACCOUNT_ID/FLATPEAK_API_KEY; when --api-url points at this machine (a simulator:
localhost, 127.0.0.0/8, ::1) and neither is given, the simulator's demo credentials are used.
"""

_EPILOG = """\
examples:
  flatpeak-connect simulator &                      # serves http://127.0.0.1:8765
  TOKEN=$(flatpeak-connect token create --api-url http://127.0.0.1:8765 \\
            --callback-url https://app.example/done --return-url https://app.example/back)
  flatpeak-connect run --token "$TOKEN" --connect-url http://127.0.0.1:8765/ \\
            --callback-url https://app.example/done
  flatpeak-connect token exchange "$TOKEN" --api-url http://127.0.0.1:8765

exit status: 0 done, 1 FlatPeak refused or could not be reached, 2 usage errors.
"""


def is_local(url: str) -> bool:
    """Whether ``url`` points at this machine, where a simulator (and never FlatPeak) runs.

    Args:
        url: an API base URL.

    Returns:
        ``True`` for ``localhost`` and loopback addresses (127.0.0.0/8, ``::1``).
    """
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def credentials_for(
    api_url: str,
    account_id: str | None,
    api_key: str | None,
    environ: dict[str, str] | None = None,
) -> tuple[str | None, str | None]:
    """Return the credentials to call ``api_url`` with.

    Flags win, then the environment; for a simulator on this machine with neither, the
    simulator's demo credentials (they are public: they open nothing but the simulator).

    Args:
        api_url: the API base URL.
        account_id: ``--account-id``, if given.
        api_key: ``--api-key``, if given.
        environ: the environment (default: ``os.environ``).

    Returns:
        The account id and API key (``None`` where none is known).
    """
    env = os.environ if environ is None else environ
    account_id = account_id or env.get(ENV_ACCOUNT_ID) or None
    api_key = api_key or env.get(ENV_API_KEY) or None
    if account_id is None and api_key is None and is_local(api_url):
        from flatpeak_connect.simulator import DEMO_ACCOUNT_ID, DEMO_API_KEY  # noqa: PLC0415 - only for a local simulator

        return DEMO_ACCOUNT_ID, DEMO_API_KEY
    return account_id, api_key


def register(subparsers: Any) -> None:
    """Add the ``token`` command (``create`` and ``exchange``) to the command line.

    Args:
        subparsers: the object ``ArgumentParser.add_subparsers`` returned.
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "token",
        help="create a connect token, or exchange one for the customer and location ids",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(title="token commands", metavar="ACTION")
    create = commands.add_parser(
        "create", help="create a connect token", description="Create a connect token."
    )
    _common(create)
    create.add_argument(
        "--callback-url",
        required=True,
        metavar="URL",
        help="where the customer goes when the session ends",
    )
    create.add_argument(
        "--return-url", metavar="URL", help="where a provider login returns the customer"
    )
    create.add_argument("--direction", choices=("IMPORT", "EXPORT"), help="default: IMPORT")
    create.add_argument(
        "--type", dest="tariff_type", choices=("COMMODITY", "NON_COMMODITY"), help="tariff type"
    )
    create.add_argument("--customer-id", metavar="ID", help="an existing customer (cus_...)")
    create.add_argument("--customer-reference-id", metavar="REF", help="your customer id")
    create.add_argument("--location-id", metavar="ID", help="an existing location (loc_...)")
    create.add_argument("--location-reference-id", metavar="REF", help="your location id")
    create.add_argument(
        "--route-option",
        action="append",
        default=[],
        metavar="NAME",
        help="switch an optional page on (anode), e.g. tariff_name_capture; repeatable",
    )
    create.add_argument("--json", action="store_true", help="print FlatPeak's whole answer as JSON")
    create.set_defaults(handler=_create)
    exchange = commands.add_parser(
        "exchange",
        help="exchange a finished session's token for its ids",
        description="Exchange the connect token of a finished session for the ids to store.",
    )
    exchange.add_argument("token", metavar="TOKEN", help="the connect token (cot_...)")
    _common(exchange)
    exchange.set_defaults(handler=_exchange)
    parser.set_defaults(handler=lambda _args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--api-url",
        default=DEFAULT_BASE_URL,
        metavar="URL",
        help=f"the back-end API (default: {DEFAULT_BASE_URL})",
    )
    parser.add_argument(
        "--version",
        dest="protocol",
        default="anode",
        metavar="VERSION",
        help=f"the protocol version: {', '.join(available_versions())} (default: anode)",
    )
    parser.add_argument("--account-id", metavar="ID", help=f"default: ${ENV_ACCOUNT_ID}")
    parser.add_argument(
        "--api-key",
        metavar="KEY",
        help=f"default: ${ENV_API_KEY} (prefer the environment: a flag shows in the process list)",
    )


def _client(args: argparse.Namespace) -> FlatPeakAPI:
    account_id, api_key = credentials_for(args.api_url, args.account_id, args.api_key)
    return FlatPeakAPI(account_id, api_key, args.api_url)


def _fail(message: str, status: int) -> int:
    print(f"flatpeak-connect: {message}", file=sys.stderr)
    return status


def _create(args: argparse.Namespace) -> int:
    if args.protocol not in available_versions():
        return _fail(f"unknown protocol version {args.protocol!r}", EXIT_USAGE)
    try:
        client = _client(args)
    except BackendError as exc:
        return _fail(str(exc), EXIT_USAGE)

    async def call() -> dict[str, Any]:
        async with client as api:
            token = await api.create_token(
                args.protocol,
                callback_url=args.callback_url,
                return_url=args.return_url,
                direction=args.direction,
                tariff_type=args.tariff_type,
                customer_id=args.customer_id,
                customer_reference_id=args.customer_reference_id,
                location_id=args.location_id,
                location_reference_id=args.location_reference_id,
                route_options=dict.fromkeys(args.route_option, True) or None,
            )
            return {"connect_token": token.connect_token, **token.raw}

    try:
        answer = asyncio.run(call())
    except UnknownVersion as exc:
        return _fail(str(exc), EXIT_USAGE)
    except BackendError as exc:
        return_field = load_pack(args.protocol).token.return_field
        if exc.code == f"{return_field}_missing" and not args.return_url:
            # FlatPeak names its own field; the person typing the command needs the flag.
            return _fail(
                f"{args.protocol} tokens need --return-url (FlatPeak's {return_field}): {exc}",
                EXIT_USAGE,
            )
        return _fail(str(exc), EXIT_FAILED)
    print(json.dumps(answer) if args.json else answer["connect_token"])
    return EXIT_OK


def _exchange(args: argparse.Namespace) -> int:
    try:
        client = _client(args)
    except BackendError as exc:
        return _fail(str(exc), EXIT_USAGE)

    async def call() -> TokenExchange:
        async with client as api:
            return await api.exchange(args.token, version=args.protocol)

    try:
        result = asyncio.run(call())
    except UnknownVersion as exc:
        return _fail(str(exc), EXIT_USAGE)
    except BackendError as exc:
        return _fail(str(exc), EXIT_FAILED)
    fields = (
        "customer_id",
        "customer_reference_id",
        "location_id",
        "location_reference_id",
        "is_tariff_processed",
        "complete_action",
        "live_mode",
    )
    print(json.dumps({name: getattr(result, name) for name in fields}))
    return EXIT_OK
