# Runs a learner's program in the page's Python: installs socklab's `socket`
# and `select` in place of the standard ones (once), runs the code as
# `__main__` with its own file name, prints an uncaught exception as CPython
# does (without this runner's frame) and reports the exception's class name.
import builtins
import linecache
import sys
import traceback
import types

from js import socklabInput
from pyodide.ffi import run_sync

_installed = False


def install():
    """Replaces `socket` and `select` (and forgets modules built on them)."""
    global _installed
    if _installed:
        return
    import errno

    import socklab.select
    import socklab.socket

    for name, number in socklab.LINUX_ERRNO.items():
        setattr(errno, name, number)
        errno.errorcode[number] = name
    socklab.socket._std._blocking_errnos = {errno.EAGAIN, errno.EWOULDBLOCK}

    for name in ("selectors", "http.client", "ftplib", "smtplib", "poplib", "socketserver"):
        sys.modules.pop(name, None)
    sys.modules["socket"] = socklab.socket
    sys.modules["select"] = socklab.select
    builtins.input = _input
    _installed = True


def _input(prompt=""):
    sys.stdout.flush()
    sys.stderr.flush()
    line = run_sync(socklabInput(str(prompt)))
    if line is None:
        raise EOFError("EOF when reading a line")
    return str(line)


def run(code, filename):
    """Runs `code`; returns None, or the name of the uncaught exception."""
    install()
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    main = types.ModuleType("__main__")
    main.__file__ = filename
    main.__builtins__ = builtins
    saved = sys.modules.get("__main__")
    sys.modules["__main__"] = main
    try:
        exec(compile(code, filename, "exec"), main.__dict__)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            if not isinstance(exc.code, int):
                print(exc.code, file=sys.stderr)
            return "SystemExit"
        return None
    except BaseException as exc:
        tb = exc.__traceback__
        if tb is not None and tb.tb_frame.f_code is run.__code__:
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb)
        return type(exc).__name__
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        if saved is not None:
            sys.modules["__main__"] = saved
    return None
