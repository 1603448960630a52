# socklab's `socket` module: installed as `sys.modules["socket"]` in the page's
# Python, so a program's `import socket` (and http.client, ftplib, smtplib,
# poplib, selectors) get sockets whose every call is performed by the relay
# (docs/python.md). Owns the socket class, name resolution and the module's
# functions; constants and exceptions are the standard module's.
import io
import ipaddress
from enum import IntEnum

import socket as _std

from socklab import call, data, unpack

# Constants, exception classes and pure helpers (inet_aton, htons, …) are the
# standard module's; the names below replace what touches the network.
globals().update(
    {k: v for k, v in vars(_std).items() if not k.startswith("__") and k not in ("socket", "SocketType")}
)
error = OSError
timeout = TimeoutError
gaierror = _std.gaierror
herror = _std.herror
_GLOBAL_DEFAULT_TIMEOUT = _std._GLOBAL_DEFAULT_TIMEOUT
SocketIO = _std.SocketIO
has_ipv6 = True


class AddressFamily(IntEnum):
    AF_UNSPEC = 0
    AF_UNIX = 1
    AF_INET = 2
    AF_INET6 = 10


class SocketKind(IntEnum):
    SOCK_STREAM = 1
    SOCK_DGRAM = 2


AF_UNSPEC, AF_UNIX, AF_INET, AF_INET6 = AddressFamily
# Linux's numbers (Pyodide's own module lacks many of them).
SOL_SOCKET, SO_REUSEADDR, SO_TYPE, SO_ERROR, SO_BROADCAST = 1, 2, 3, 4, 6
SO_SNDBUF, SO_RCVBUF, SO_KEEPALIVE, SO_LINGER, SO_REUSEPORT = 7, 8, 9, 13, 15
IPPROTO_IP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_IPV6 = 0, 6, 17, 41
TCP_NODELAY, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT = 1, 4, 5, 6
SHUT_RD, SHUT_WR, SHUT_RDWR = 0, 1, 2
MSG_PEEK, MSG_DONTWAIT, SOMAXCONN = 2, 64, 4096
AI_PASSIVE, AI_CANONNAME, AI_NUMERICHOST, AI_NUMERICSERV, AI_ADDRCONFIG = 1, 2, 4, 1024, 32
EAI_NONAME, EAI_FAMILY, EAI_SERVICE = -2, -6, -8
INADDR_ANY, INADDR_LOOPBACK, INADDR_BROADCAST = 0, 0x7F000001, 0xFFFFFFFF
SOCK_STREAM, SOCK_DGRAM = SocketKind
_FAMILY = {AF_INET: "AF_INET", AF_INET6: "AF_INET6", AF_UNIX: "AF_UNIX"}
_TYPE = {SOCK_STREAM: "SOCK_STREAM", SOCK_DGRAM: "SOCK_DGRAM"}
# (level, name) as Linux numbers them -> the protocol's names.
_LEVELS = {1: "SOL_SOCKET", 6: "IPPROTO_TCP"}
_OPTIONS = {(1, 2): "SO_REUSEADDR", (1, 9): "SO_KEEPALIVE", (1, 6): "SO_BROADCAST",
            (1, 8): "SO_RCVBUF", (1, 7): "SO_SNDBUF", (6, 1): "TCP_NODELAY"}
_HOW = {0: "SHUT_RD", 1: "SHUT_WR", 2: "SHUT_RDWR"}
# One request's payload stays well under the relay's message limit.
_CHUNK = 32 * 1024
_FD_BASE = 1000
_default_timeout = None
_open = {}  # fileno -> socket, for select


def getdefaulttimeout():
    return _default_timeout


def setdefaulttimeout(t):
    global _default_timeout
    _default_timeout = None if t is None else float(t)


def _addr(address, family):
    """A Python address tuple as the protocol's [host, port]."""
    if family == AF_UNIX or not isinstance(address, tuple) or len(address) < 2:
        raise TypeError("%s address must be a tuple (host, port)" % _FAMILY.get(family, "AF_INET"))
    host, port = address[0], address[1]
    if isinstance(host, bytes):
        host = host.decode("idna")
    if not isinstance(port, int):
        raise TypeError("'%s' object cannot be interpreted as an integer" % type(port).__name__)
    if not 0 <= port <= 65535:
        raise OverflowError("bind(): port must be 0-65535.")
    return [host, port]


def _tuple(addr, family):
    """The protocol's [host, port] as Python returns it for `family`."""
    host, port = addr
    if family == AF_INET6:
        return (host, port, 0, 0)
    return (host, port)


class socket:
    """`socket.socket`, performed by the relay (one handle, `s1`, `s2`, …)."""

    __slots__ = ("family", "type", "proto", "_handle", "_timeout", "_io_refs", "_closed", "__weakref__")

    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
        if fileno is not None:
            raise OSError(95, "socket(fileno=…) is not available in the page")
        family = AF_INET if family == -1 else family
        type = SOCK_STREAM if type == -1 else type
        proto = 0 if proto == -1 else proto
        if family not in _FAMILY:
            raise OSError(97, "Address family not supported by protocol")
        if type not in _TYPE:
            raise OSError(94, "Socket type not supported")
        self.family, self.type, self.proto = AddressFamily(family), SocketKind(type), proto
        self._io_refs = 0
        self._closed = False
        self._handle = None
        self._handle = call("socket", family=_FAMILY[family], type=_TYPE[type], proto=proto)["sock"]
        _open[self.fileno()] = self
        self._timeout = None
        if _default_timeout is not None:
            self.settimeout(_default_timeout)

    @classmethod
    def _adopt(cls, handle, family, type):
        sock = cls.__new__(cls)
        sock.family, sock.type, sock.proto = family, type, 0
        sock._io_refs, sock._closed, sock._handle, sock._timeout = 0, False, handle, None
        _open[sock.fileno()] = sock
        if _default_timeout is not None:
            sock.settimeout(_default_timeout)
        return sock

    def __enter__(self):
        return self

    def __exit__(self, *args):
        if not self._closed:
            self.close()

    def __repr__(self):
        closed = getattr(self, "_closed", False)
        s = "<socket.socket%s fd=%i, family=%i, type=%i, proto=%i" % (
            " [closed]" if closed else "", self.fileno(), self.family, self.type, self.proto)
        if not closed:
            try:
                s += ", laddr=%s" % (self.getsockname(),)
            except OSError:
                pass
        return s + ">"

    def _call(self, op, **args):
        if self._handle is None or self._closed and self._io_refs <= 0:
            raise OSError(9, "Bad file descriptor")
        return call(op, sock=self._handle, **args)

    def fileno(self):
        if self._handle is None or self._closed and self._io_refs <= 0:
            return -1
        return _FD_BASE + int(self._handle[1:])

    # -- connecting ------------------------------------------------------------
    def bind(self, address):
        self._call("bind", addr=_addr(address, self.family))

    def listen(self, backlog=None):
        if backlog is None:
            self._call("listen")
        else:
            self._call("listen", backlog=int(backlog))

    def accept(self):
        ok = self._call("accept")
        conn = socket._adopt(ok["sock"], self.family, self.type)
        return conn, _tuple(ok["addr"], self.family)

    def connect(self, address):
        self._call("connect", addr=_addr(address, self.family))

    def connect_ex(self, address):
        return self._call("connect_ex", addr=_addr(address, self.family))["errno"]

    def getsockname(self):
        return _tuple(self._call("getsockname")["addr"], self.family)

    def getpeername(self):
        return _tuple(self._call("getpeername")["addr"], self.family)

    # -- data --------------------------------------------------------------------
    def send(self, payload, flags=0):
        view = memoryview(payload).cast("B")
        return self._call("send", data=data(view[:_CHUNK]))["n"]

    def sendall(self, payload, flags=0):
        view = memoryview(payload).cast("B")
        for start in range(0, max(len(view), 1), _CHUNK):
            self._call("sendall", data=data(view[start:start + _CHUNK]))

    def sendto(self, payload, flags_or_addr, addr=None):
        address = flags_or_addr if addr is None else addr
        view = memoryview(payload).cast("B")
        return self._call("sendto", data=data(view), addr=_addr(address, self.family))["n"]

    def recv(self, bufsize, flags=0):
        if bufsize < 0:
            raise ValueError("negative buffersize in recv")
        args = {"flags": ["MSG_PEEK"]} if flags & 2 else {}
        ok = self._call("recv", bufsize=min(bufsize, _CHUNK), encoding="b64", **args)
        return unpack(ok["data"])

    def recvfrom(self, bufsize, flags=0):
        ok = self._call("recvfrom", bufsize=min(bufsize, 65535), encoding="b64")
        return unpack(ok["data"]), _tuple(ok["addr"], self.family)

    def recv_into(self, buffer, nbytes=0, flags=0):
        view = memoryview(buffer).cast("B")
        got = self.recv(nbytes or len(view), flags)
        view[:len(got)] = got
        return len(got)

    def recvfrom_into(self, buffer, nbytes=0, flags=0):
        view = memoryview(buffer).cast("B")
        got, addr = self.recvfrom(nbytes or len(view), flags)
        view[:len(got)] = got
        return len(got), addr

    # -- modes and options -----------------------------------------------------
    def settimeout(self, value):
        if value is not None:
            value = float(value)
            if value < 0:
                raise ValueError("Timeout value out of range")
        self._call("settimeout", timeout=value)
        self._timeout = value

    def gettimeout(self):
        return self._timeout

    def setblocking(self, flag):
        self.settimeout(None if flag else 0.0)

    def getblocking(self):
        return self._timeout != 0.0

    @property
    def timeout(self):
        return self._timeout

    def setsockopt(self, level, optname, value, optlen=None):
        name = _OPTIONS.get((level, optname))
        if name is None:
            raise OSError(92, "Protocol not available")
        if isinstance(value, (bytes, bytearray)):
            value = int.from_bytes(value[:4], "little")
        self._call("setsockopt", level=_LEVELS[level], name=name, value=int(value))

    def getsockopt(self, level, optname, buflen=None):
        name = _OPTIONS.get((level, optname))
        if name is None:
            raise OSError(92, "Protocol not available")
        value = self._call("getsockopt", level=_LEVELS[level], name=name)["value"]
        return value if buflen is None else int(value).to_bytes(4, "little")[:buflen]

    def shutdown(self, how):
        self._call("shutdown", how=_HOW[how])

    # -- closing (as CPython: a file from makefile() keeps the socket open) ----
    def makefile(self, mode="r", buffering=None, *, encoding=None, errors=None, newline=None):
        if not set(mode) <= {"r", "w", "b"}:
            raise ValueError("invalid mode %r (only r, w, b allowed)" % (mode,))
        writing = "w" in mode
        reading = "r" in mode or not writing
        binary = "b" in mode
        rawmode = ("r" if reading else "") + ("w" if writing else "")
        raw = SocketIO(self, rawmode)
        self._io_refs += 1
        if buffering is None:
            buffering = -1
        if buffering < 0:
            buffering = io.DEFAULT_BUFFER_SIZE
        if buffering == 0:
            if not binary:
                raise ValueError("unbuffered streams must be binary")
            return raw
        if reading and writing:
            buffer = io.BufferedRWPair(raw, raw, buffering)
        elif reading:
            buffer = io.BufferedReader(raw, buffering)
        else:
            buffer = io.BufferedWriter(raw, buffering)
        if binary:
            return buffer
        text = io.TextIOWrapper(buffer, encoding, errors, newline)
        text.mode = mode
        return text

    def _decref_socketios(self):
        if self._io_refs > 0:
            self._io_refs -= 1
        if self._closed:
            self.close()

    def close(self):
        self._closed = True
        if self._io_refs <= 0 and self._handle is not None:
            handle = self._handle
            _open.pop(_FD_BASE + int(handle[1:]), None)
            self._handle = None
            call("close", sock=handle)

    def detach(self):
        raise OSError(95, "detach() is not available in the page")

    def dup(self):
        raise OSError(95, "dup() is not available in the page")


SocketType = socket


def _literal(host):
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
    """Literals and `localhost` (and "" / None) resolve here; socklab's relay
    only reaches loopback, so any other name is `gaierror` -2."""
    if isinstance(host, bytes):
        host = host.decode("idna")
    if isinstance(port, str):
        port = int(port) if port.isdigit() else {"http": 80, "ftp": 21, "smtp": 25, "pop3": 110}.get(port)
        if port is None:
            raise gaierror(-8, "Servname not supported for ai_socktype")
    port = port or 0
    if host in (None, "", "localhost"):
        candidates = ["127.0.0.1", "::1"]
    else:
        ip = _literal(host)
        if ip is None:
            raise gaierror(-2, "Name or service not known")
        candidates = [str(ip)]
    out = []
    for address in candidates:
        fam = AF_INET6 if ":" in address else AF_INET
        if family not in (0, fam):
            continue
        for kind in ([type] if type else [SOCK_STREAM, SOCK_DGRAM]):
            sockaddr = (address, port, 0, 0) if fam == AF_INET6 else (address, port)
            out.append((fam, SocketKind(kind), 6 if kind == SOCK_STREAM else 17, "", sockaddr))
    if not out:
        raise gaierror(-9, "Address family for hostname not supported")
    return out


def gethostbyname(hostname):
    return getaddrinfo(hostname, 0, AF_INET, SOCK_STREAM)[0][4][0]


def gethostname():
    return "localhost"


def getfqdn(name=""):
    return name or "localhost"


def create_connection(address, timeout=_GLOBAL_DEFAULT_TIMEOUT, source_address=None, *, all_errors=False):
    host, port = address
    errors = []
    for family, kind, proto, _, sockaddr in getaddrinfo(host, port, 0, SOCK_STREAM):
        sock = None
        try:
            sock = socket(family, kind, proto)
            if timeout is not _GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            errors.append(exc)
            if sock is not None:
                sock.close()
    if all_errors:
        raise ExceptionGroup("create_connection failed", errors)
    raise errors[0]


def create_server(address, *, family=AF_INET, backlog=None, reuse_port=False, dualstack_ipv6=False):
    sock = socket(family, SOCK_STREAM)
    try:
        sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    return sock


def has_dualstack_ipv6():
    return False


def socketpair(*args):
    raise OSError(95, "socketpair() is not available in the page")


def fromfd(*args):
    raise OSError(95, "fromfd() is not available in the page")
