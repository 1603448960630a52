# The article's TCP client (example 2), corrected for Python 3.
# Start blocking_server.py (or select_server.py) first, in another tab or with
# `python3 blocking_server.py`; then run this. Against blocking_server.py it
# prints b'anydata'; against select_server.py, which writes back what it got,
# b'data'. Corrections: connect takes one (host, port) tuple; send takes bytes.
import socket

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect(('127.0.0.1', 20178))
sock.send(b"data")
data = sock.recv(98)
print('recieved ', data)  # "recieved" is the article's spelling
sock.close()
