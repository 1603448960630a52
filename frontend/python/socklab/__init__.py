# socklab's Python layer over the relay, run inside Pyodide in the page's
# Web Worker (frontend/python/worker.js). This package owns the bridge call
# (`call`: one protocol request, answered by the relay through the page's own
# connection) and socklab's own exceptions; `socklab.socket` and
# `socklab.select` replace the standard library's `socket` and `select`, and
# `socklab.runner` runs a learner's program.
import base64
import json

from js import socklabCall  # the worker's bridge: JSON in, promise of JSON out
from pyodide.ffi import run_sync


class SocklabError(OSError):
    """A refusal that only socklab's relay makes (policy, limits)."""


class not_allowed(SocklabError, PermissionError):
    """The relay's policy forbids the call (docs/protocol.md, Policy)."""


class limit(SocklabError):
    """A session or relay limit was hit (too many sockets, for example)."""


class bad_request(SocklabError, ValueError):
    """The relay could not read the request."""


_OWN = {"not_allowed": not_allowed, "limit": limit, "bad_request": bad_request}


def _error(err):
    """The Python exception for the relay's `err` object."""
    code = err.get("code", "")
    message = err.get("message", "")
    errno = err.get("errno")
    if code == "timeout":
        return TimeoutError("timed out")
    if code == "gaierror":
        from socklab.socket import gaierror

        return gaierror(errno if errno is not None else -2, message)
    if code == "cancelled":
        return KeyboardInterrupt()
    if code == "disconnected":
        return ConnectionResetError(
            104, "the relay went away (" + message + "); the program's sockets are gone"
        )
    if code in _OWN:
        exc = _OWN[code](message)
        exc.detail = err.get("detail")
        return exc
    if errno is not None:
        return OSError(errno, message)  # Python picks the subclass from errno
    return SocklabError(code + ": " + message)


def call(op, **args):
    """Performs one protocol op through the relay and returns its `ok` object,
    or raises what Python would raise for its `err`."""
    args["op"] = op
    text = run_sync(socklabCall(json.dumps(args)))
    outcome = json.loads(text)
    if "ok" in outcome:
        return outcome["ok"]
    raise _error(outcome.get("err", {}))


def data(payload):
    """`bytes` as the protocol's Data object."""
    return {"b64": base64.b64encode(bytes(payload)).decode("ascii")}


def unpack(obj):
    """The protocol's Data object as `bytes`."""
    if "b64" in obj:
        return base64.b64decode(obj["b64"])
    return obj.get("text", "").encode("utf-8")
