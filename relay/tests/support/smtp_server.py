# An SMTP server nobody here wrote, for relay/tests/mail_foreign.rs: aiosmtpd
# (PyPI), with AUTH PLAIN/LOGIN for learner/learner over plain TCP, a small
# SIZE limit, and recipients only @example.test. Prints "PORT n" when ready, then
# one JSON line per message it receives; stops when stdin closes.
import json
import socket
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not address.endswith("@example.test"):
            return "550 5.7.1 not relaying to that domain"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        print(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                          "data": envelope.content.decode("utf-8", "replace")}), flush=True)
        return "250 Message accepted for delivery"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"learner" and auth_data.password == b"learner"
    return AuthResult(success=ok, handled=False)


probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
controller = Controller(Handler(), hostname="127.0.0.1", port=port, data_size_limit=2000,
                        authenticator=authenticator, auth_require_tls=False)
controller.start()
print("PORT", port, flush=True)
sys.stdin.read()
controller.stop()
