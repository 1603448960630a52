# The article's select server (Python 3): one thread serves every client,
# select() says which socket is ready. Echoes each message back in upper case
# and stops after two clients have come and gone.
import select
import socket
import queue

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setblocking(0)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('127.0.0.1', 50008))
server.listen(5)
inputs = [server]
outputs = []
message_queues = {}
served = 0
while served < 2:
    readable, writable, exceptional = select.select(inputs, outputs, inputs)
    for s in readable:
        if s is server:
            connection, client_address = s.accept()
            print('new connection from', client_address[0])
            connection.setblocking(0)
            inputs.append(connection)
            message_queues[connection] = queue.Queue()
        else:
            data = s.recv(1024)
            if data:
                print('received', repr(data))
                message_queues[s].put(data.upper())
                if s not in outputs:
                    outputs.append(s)
            else:
                print('closing after reading no data')
                if s in outputs:
                    outputs.remove(s)
                inputs.remove(s)
                s.close()
                del message_queues[s]
                served += 1
    for s in writable:
        try:
            next_msg = message_queues[s].get_nowait()
        except (queue.Empty, KeyError):
            if s in outputs:
                outputs.remove(s)
        else:
            s.send(next_msg)
    for s in exceptional:
        inputs.remove(s)
        if s in outputs:
            outputs.remove(s)
        s.close()
        del message_queues[s]
server.close()
print('served', served, 'clients')
