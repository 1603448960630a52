# A small POP3 server (RFC 1939) written with Python's standard library only, for
# relay/tests/mail_foreign.rs: one account alice/wonderland with three fixed
# messages (one holds a line starting with "."), USER/PASS, STAT, LIST, RETR, TOP,
# DELE (applied at QUIT), RSET, NOOP, UIDL, CAPA, QUIT. Prints "PORT n" when
# ready; after each QUIT prints "DELETED n,m"; stops when stdin closes.
import socketserver
import sys
import threading

MESSAGES = [
    b"From: a@example.test\r\nSubject: one\r\n\r\nfirst body\r\n",
    b"From: b@example.test\r\nSubject: two\r\n\r\n.starts with a dot\r\nlast\r\n",
    b"Subject: three\r\n\r\n" + b"x" * 100 + b"\r\n",
]


class Pop3(socketserver.StreamRequestHandler):
    def send(self, text):
        self.wfile.write(text.encode() + b"\r\n")

    def multi(self, head, body):
        self.send(head)
        for line in body.split(b"\r\n")[:-1]:
            self.wfile.write((b"." + line if line.startswith(b".") else line) + b"\r\n")
        self.wfile.write(b".\r\n")

    def handle(self):
        self.send("+OK tiny stdlib pop3 ready")
        user, authed, deleted = None, False, set()
        for raw in self.rfile:
            words = raw.decode("utf-8", "replace").strip().split()
            cmd = words[0].upper() if words else ""
            args = words[1:]
            live = [i for i in range(len(MESSAGES)) if i not in deleted]
            if cmd == "USER":
                user = args[0] if args else None
                self.send("+OK")
            elif cmd == "PASS":
                authed = user == "alice" and args == ["wonderland"]
                self.send("+OK logged in" if authed else "-ERR [AUTH] bad login")
            elif cmd == "CAPA":
                self.multi("+OK caps", b"USER\r\nTOP\r\nUIDL\r\n")
            elif cmd == "QUIT":
                self.send("+OK bye")
                print("DELETED " + ",".join(str(i + 1) for i in sorted(deleted)), flush=True)
                return
            elif not authed:
                self.send("-ERR not logged in")
            elif cmd == "STAT":
                self.send("+OK %d %d" % (len(live), sum(len(MESSAGES[i]) for i in live)))
            elif cmd in ("LIST", "UIDL") and not args:
                rows = "".join("%d %s\r\n" % (i + 1, len(MESSAGES[i]) if cmd == "LIST" else "uid%d" % i)
                               for i in live)
                self.multi("+OK listing", rows.encode())
            elif cmd in ("LIST", "RETR", "TOP", "DELE", "UIDL"):
                try:
                    n = int(args[0]) - 1
                    assert n in live
                except Exception:
                    self.send("-ERR no such message")
                    continue
                if cmd == "LIST":
                    self.send("+OK %d %d" % (n + 1, len(MESSAGES[n])))
                elif cmd == "UIDL":
                    self.send("+OK %d uid%d" % (n + 1, n))
                elif cmd == "RETR":
                    self.multi("+OK %d octets" % len(MESSAGES[n]), MESSAGES[n])
                elif cmd == "TOP":
                    head, _, body = MESSAGES[n].partition(b"\r\n\r\n")
                    keep = body.split(b"\r\n")[: int(args[1])]
                    self.multi("+OK top", head + b"\r\n\r\n" + b"".join(l + b"\r\n" for l in keep))
                else:
                    deleted.add(n)
                    self.send("+OK deleted")
            elif cmd == "RSET":
                deleted.clear()
                self.send("+OK")
            elif cmd == "NOOP":
                self.send("+OK")
            else:
                self.send("-ERR unknown command")


server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Pop3)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
print("PORT", server.server_address[1], flush=True)
sys.stdin.read()
server.shutdown()
