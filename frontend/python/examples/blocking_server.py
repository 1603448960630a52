# The article's blocking TCP server (example 1), corrected for Python 3.
# Run it first, then run blocking_client.py beside it (in another tab, or with
# `python3 blocking_client.py`). It serves one client and exits.
# Corrections: bind takes one (host, port) tuple; send takes bytes; the
# accepted connection is closed too.
import socket

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.bind(('127.0.0.1', 20178))
sock.listen(5)
conn, address = sock.accept()  # waits until one client has connected
print('connect by ', address[0])  # address[1], the client's port, changes every run
while True:
    data = conn.recv(100)
    if not data:  # b'': the client closed its end
        break
    print(data)
    conn.send(b"anydata")  # the same reply, whatever arrived
conn.close()
sock.close()
print('server done')
