# The article's select server (example 3), corrected for Python 3.
# Run it first, then run blocking_client.py twice beside it (in another tab, or
# with `python3 blocking_client.py`). It serves CLIENTS clients and exits, or
# prints timeout... after 20 idle seconds.
# Corrections: bind takes one (host, port) tuple; the queued data is written
# back (the article never sends it); a socket closed earlier in a round is
# skipped; the listener stops after CLIENTS connections so the loop ends.
import queue
import select
import socket

CLIENTS = 2

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setblocking(False)  # accept() must never wait
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(('127.0.0.1', 20178))
sock.listen(10)
rlists = [sock]
wlists = []
msg_que = {}
timeout = 20
accepted = 0
while rlists:
    rs, ws, es = select.select(rlists, wlists, rlists, timeout)
    if not (rs or ws or es):
        print('timeout...')
        break
    for s in rs:
        if s is sock:
            conn, address = s.accept()
            conn.setblocking(False)
            rlists.append(conn)
            msg_que[conn] = queue.Queue()
            accepted += 1
            print('connect by ', address[0])
            if accepted == CLIENTS:  # enough clients: stop listening
                rlists.remove(sock)
                sock.close()
        else:
            data = s.recv(1024)
            if data:
                print(data)
                msg_que[s].put(data)
                if s not in wlists:
                    wlists.append(s)
            else:  # b'': the client closed
                if s in wlists:
                    wlists.remove(s)
                rlists.remove(s)
                s.close()
                del msg_que[s]
    for s in ws:
        if s not in msg_que:  # closed earlier in this round
            continue
        try:
            msg = msg_que[s].get_nowait()
        except queue.Empty:
            wlists.remove(s)
        else:
            s.send(msg)  # the line the article leaves out
    for s in es:
        if s not in rlists:  # closed earlier in this round
            continue
        print('except ', s.getsockname())
        rlists.remove(s)
        if s in wlists:
            wlists.remove(s)
        s.close()
        msg_que.pop(s, None)  # the listener has no queue
for s in rlists:  # after a timeout: close what is left
    s.close()
print('server done')
