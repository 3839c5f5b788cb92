"""A real SMTP server on loopback for beian-notify's tests (aiosmtpd).

Usage: python3 smtp_server.py OUTDIR
Prints the port it listens on, then writes each accepted message to OUTDIR/NNNN.json,
decoded with Python's own email parser (subject, plain and HTML parts), so the test checks
the message as an independent mail reader sees it. Recipients starting with "busy" are
refused with 450 (try later), those starting with "nobody" with 550 (no such user).
Exits when its standard input closes, so it never outlives the test.
"""

import asyncio
import email
import json
import os
import sys
import threading
from email import policy

from aiosmtpd.smtp import SMTP


class Handler:
    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("busy"):
            return "450 4.2.1 Mailbox busy, try again later"
        if address.startswith("nobody"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=policy.default)
        plain = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(msg["subject"]),
            "message_id": str(msg["message-id"]),
            "content_types": [part.get_content_type() for part in msg.walk()],
            "text": plain.get_content() if plain is not None else None,
            "html": html.get_content() if html is not None else None,
            "raw": raw.decode("utf-8", "replace"),
        }
        self.count += 1
        path = os.path.join(self.outdir, "%04d.json" % self.count)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 Message accepted"


def exit_when_stdin_closes():
    sys.stdin.read()
    os._exit(0)


async def main(outdir):
    handler = Handler(outdir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="smtp.sandbox.test", enable_SMTPUTF8=True),
        "127.0.0.1",
        0,
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    asyncio.run(main(sys.argv[1]))
