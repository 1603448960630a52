# A client for the select server: sends one message, prints the answer.
import socket
import sys

with socket.create_connection(('127.0.0.1', 50008), timeout=10) as s:
    s.sendall(sys.argv[1].encode() if len(sys.argv) > 1 else b'hello')
    print('got', s.recv(1024))
