# Socket modes and errors beyond the examples (UDP, IPv6, timeout,
# non-blocking, makefile, select), against socklab's echo labs: the page and
# python3 must print the same lines (e2e/tests/python.test.mjs).
import select
import socket

u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(5)
u.sendto(b'ping', ('127.0.0.1', 20007))
data, addr = u.recvfrom(100)
print('udp', data, addr)
u.close()

with socket.create_connection(('127.0.0.1', 20007), timeout=5) as t:
    t.settimeout(0.2)
    try:
        t.recv(10)
    except socket.timeout as e:
        print('timeout', type(e).__name__, e)
    t.setblocking(False)
    try:
        t.recv(10)
    except BlockingIOError as e:
        print('non-blocking', type(e).__name__, e.errno)
    t.setblocking(True)
    print('blocking', t.getblocking(), t.gettimeout())
    with t.makefile('rwb') as f:
        f.write(b'line one\n')
        f.flush()
        print('makefile', f.readline())
    r, w, x = select.select([t], [t], [], 1)
    print('select', len(r), len(w), len(x))

for host, family in (('127.0.0.1', socket.AF_INET), ('::1', socket.AF_INET6)):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.connect((host, 1))
        except ConnectionRefusedError as e:
            print('refused', family.name, e.errno, e.strerror)
print(socket.gethostbyname('localhost'))
