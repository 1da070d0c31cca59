"""The provider login page that a DIRECT provider's ``session_redirect`` sends the customer to.

``GET /provider/<provider_id>/login?fp_cot=<token>&<the app's own parameters>`` shows a page
with Approve and Deny buttons. Its form posts back to the same URL; the answer is a ``303`` to
the URL the token was created with (``connect_web_uri`` in zero, ``connect_url`` in anode),
carrying ``fp_cot`` and every other query parameter the app added. The app then resumes the
session with its start route, and Connect answers with the page the login led to.

Without a browser, a plain ``POST`` of ``decision=approve`` (a form field, or
``{"decision": "approve"}`` as JSON) to the same URL does the same: read the ``Location`` of
the ``303``.

The POST needs no separate anti-forgery value: it is authorised by ``fp_cot``, the session's
secret token, which a forged cross-site request cannot know.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import jinja2
from aiohttp import web

from flatpeak_connect.simulator.core import SIMULATOR

if TYPE_CHECKING:
    from flatpeak_connect.simulator.state import Session

__all__ = ["decide", "login_page"]

_env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)

_LAYOUT = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} - FlatPeak Connect simulator</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0; color: #0b0c0c; background: #fff; }
main { max-width: 36rem; margin: 2rem auto; padding: 0 1rem; }
.tag { color: #505a5f; font-size: 0.9rem; margin: 0; }
fieldset { border: 0; padding: 0; margin: 1.5rem 0; }
legend { font-weight: 700; font-size: 1.2rem; margin-bottom: 1rem; }
button { font: inherit; padding: 0.6rem 1.2rem; margin: 0 0.75rem 0.75rem 0; cursor: pointer;
  border: 2px solid #0b0c0c; border-radius: 0.25rem; }
button.approve { background: #00703c; border-color: #00703c; color: #fff; }
button.deny { background: #fff; color: #0b0c0c; }
button:focus { outline: 3px solid #ffdd00; outline-offset: 0; }
</style>
</head>
<body>
<main>
<p class="tag">FlatPeak Connect simulator</p>
<h1>{{ title }}</h1>
{% block body %}{% endblock %}
</main>
</body>
</html>
"""

_LOGIN = _env.from_string(
    _LAYOUT.replace(
        "{% block body %}{% endblock %}",
        """<p>This page stands in for {{ provider }}'s own sign-in page. In a real session you
would sign in to your {{ provider }} account here and agree to share your tariff with FlatPeak.</p>
<form method="post" action="{{ action }}">
<fieldset>
<legend>Share your {{ provider }} tariff with FlatPeak?</legend>
<button type="submit" class="approve" name="decision" value="approve">
Approve and share my tariff</button>
<button type="submit" class="deny" name="decision" value="deny">Deny</button>
</fieldset>
</form>""",
    )
)

_MESSAGE = _env.from_string(
    _LAYOUT.replace("{% block body %}{% endblock %}", "<p>{{ message }}</p>")
)


def _html(status: int, title: str, message: str) -> web.Response:
    return web.Response(
        status=status,
        text=_MESSAGE.render(title=title, message=message),
        content_type="text/html",
    )


def _pending_session(request: web.Request) -> Session | web.Response:
    sim = request.app[SIMULATOR]
    token = request.query.get("fp_cot", "")
    if not token:
        return _html(400, "This link is incomplete", "The link has no fp_cot parameter.")
    session = sim.world.sessions.get(token)
    if session is None:
        return _html(404, "This link is not valid", "No Connect session has this token.")
    if sim.world.now() >= session.token.expires_at:
        return _html(
            410, "This link has expired", "The Connect session has expired. Start again in the app."
        )
    login = session.login
    if login is None or login.provider_id != request.match_info["provider_id"]:
        return _html(
            409,
            "No sign-in is waiting",
            "This Connect session is not waiting for a sign-in with this provider.",
        )
    return session


async def login_page(request: web.Request) -> web.Response:
    """``GET /provider/<provider_id>/login``: the Approve / Deny page."""
    found = _pending_session(request)
    if isinstance(found, web.Response):
        return found
    provider = request.app[SIMULATOR].scenario.provider(request.match_info["provider_id"])
    name = provider.display_name if provider else "your provider"
    return web.Response(
        text=_LOGIN.render(title=f"Sign in to {name}", provider=name, action=str(request.rel_url)),
        content_type="text/html",
    )


async def _decision(request: web.Request) -> str:
    if request.content_type == "application/json":
        try:
            body = json.loads(await request.read() or b"{}")
        except (ValueError, UnicodeDecodeError):
            return ""
        return str(body.get("decision", "")) if isinstance(body, dict) else ""
    form = await request.post()
    return str(form.get("decision", ""))


def _return_url(base: str, request: web.Request, token: str) -> str:
    parts = urlsplit(base)
    own = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "fp_cot"]
    extra = [(k, v) for k, v in request.query.items() if k != "fp_cot"]
    query = urlencode([*own, ("fp_cot", token), *extra])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


async def decide(request: web.Request) -> web.Response:
    """``POST /provider/<provider_id>/login``: record Approve or Deny, send the customer back."""
    found = _pending_session(request)
    if isinstance(found, web.Response):
        return found
    session = found
    decision = (await _decision(request)).strip().lower()
    if decision not in ("approve", "deny"):
        return _html(400, "Choose Approve or Deny", "Send decision=approve or decision=deny.")
    if session.login is not None:
        session.login.decision = "approved" if decision == "approve" else "denied"
    target = session.token.return_url
    if target is None:
        # A zero token created without connect_web_uri: nowhere to send the browser.
        return _html(
            200,
            "You can return to the app",
            "Your answer has been recorded. Go back to the app to carry on.",
        )
    raise web.HTTPSeeOther(location=_return_url(target, request, session.token.id))
