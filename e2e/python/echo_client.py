# Echo client program (the article's blocking client, Python 3)
import socket

HOST = '127.0.0.1'        # the remote host
PORT = 50007              # the same port as used by the server
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.connect((HOST, PORT))
    s.sendall(b'Hello, world')
    data = s.recv(1024)
print('Received', repr(data))
