# socklab's `select` module: installed as `sys.modules["select"]` in the page's
# Python. `select.select` is the relay's `select` op over the sockets' handles;
# there is no poll/epoll, so `selectors.DefaultSelector` is SelectSelector.
from socklab import call
from socklab import socket as _socket

error = OSError


def _handle(obj):
    fd = obj if isinstance(obj, int) else obj.fileno()
    if not isinstance(fd, int) or fd < 0:
        raise ValueError("file descriptor cannot be a negative integer (%s)" % fd)
    sock = _socket._open.get(fd)
    if sock is None:
        raise OSError(9, "Bad file descriptor")
    return sock._handle


def select(rlist, wlist, xlist, timeout=None):
    """`select.select`, answered by the relay from its buffers and queues."""
    if timeout is not None:
        timeout = float(timeout)
        if timeout < 0:
            raise ValueError("timeout must be non-negative")
    lists = [list(rlist), list(wlist), list(xlist)]
    handles = [[_handle(o) for o in objs] for objs in lists]
    ok = call("select", rlist=handles[0], wlist=handles[1], xlist=handles[2], timeout=timeout)
    ready = [set(ok.get(k, [])) for k in ("r", "w", "x")]
    return tuple(
        [o for o, h in zip(objs, hs) if h in rd] for objs, hs, rd in zip(lists, handles, ready)
    )
