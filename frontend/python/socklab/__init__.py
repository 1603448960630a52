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

# The relay reports Linux errno numbers; Pyodide's C library numbers errors
# its own way, so OSError(errno, …) would not pick the right subclass. The
# class of each Linux errno, as CPython on Linux picks it:
_CLASSES = {
    1: PermissionError, 2: FileNotFoundError, 4: InterruptedError, 11: BlockingIOError,
    13: PermissionError, 32: BrokenPipeError, 103: ConnectionAbortedError,
    104: ConnectionResetError, 108: BrokenPipeError, 110: TimeoutError,
    111: ConnectionRefusedError, 114: BlockingIOError, 115: BlockingIOError,
}
# The network errno names with Linux's numbers, installed into `errno` so that
# `e.errno == errno.EAGAIN` (and the standard library's own checks) hold.
LINUX_ERRNO = {
    "EAGAIN": 11, "EWOULDBLOCK": 11, "EPIPE": 32, "EADDRINUSE": 98, "EADDRNOTAVAIL": 99,
    "ENETUNREACH": 101, "ECONNABORTED": 103, "ECONNRESET": 104, "EISCONN": 106,
    "ENOTCONN": 107, "ESHUTDOWN": 108, "ETIMEDOUT": 110, "ECONNREFUSED": 111,
    "EHOSTUNREACH": 113, "EALREADY": 114, "EINPROGRESS": 115,
}


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
        return _CLASSES.get(errno, OSError)(errno, message)
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
