"""A return-box worker for a DPI: read the box over IMAP, record each return once, move it.

    MSSC_IMAP_HOST=imap.operateur.example MSSC_IMAP_USER=dpi@ch.mssante.fr \\
    MSSC_IMAP_TOKEN=<Pro Santé Connect token> MSSC_IMAP_CAFILE=operateur-ca.pem \\
    python examples/return_box_worker.py STATE_DIR

Optional: ``MSSC_IMAP_PORT`` (143; 993 for implicit TLS), ``MSSC_P12`` and
``MSSC_P12_PASSWORD`` (the structure's certificate, for mutual TLS), ``MSSC_IMAP_PASSWORD``
(servers with a password instead of a token), ``MSSC_WORKER_RUNS`` and
``MSSC_WORKER_INTERVAL`` (run several times, N seconds apart; once by default).

STATE_DIR holds ``worker.sqlite`` (the DPI's side: which returns were recorded, what each
sent message became) and ``return-box.json`` (the mailbox's UIDVALIDITY). The handler is
idempotent on the return's ``idempotence_key``, because delivery is at least once: a crash
after recording and before the move gives the same message again, and it is then skipped.

Without ``MSSC_IMAP_HOST``, the worker runs on returns generated with ``mssc.testing``, through
the same handler, twice, to show that the second delivery changes nothing.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from pathlib import Path

from mssc.replies import ReplyKind
from mssc.testing import make_bounce, make_patient_reply, make_read_receipt
from mssc.transport import ReturnBox, ReturnItem, load_pkcs12
from mssc.transport.returns import read_item

#: What a sent message becomes, for each kind of return.
STATUS = {
    ReplyKind.MAILBOX_CLOSED: "undeliverable: mailbox closed",
    ReplyKind.RECIPIENT_NOT_FOUND: "undeliverable: check the INS",
    ReplyKind.MESSAGE_TOO_LARGE: "undeliverable: too large",
    ReplyKind.DELIVERY_FAILED: "undeliverable",
    ReplyKind.DELIVERY_DELAYED: "delayed",
    ReplyKind.DELIVERED: "delivered",
    ReplyKind.READ_RECEIPT: "read",
    ReplyKind.TEST_ACKNOWLEDGEMENT: "test answered",
}


class Worker:
    """The DPI's side: a small SQLite database, and the handler ReturnBox calls."""

    def __init__(self, folder: Path) -> None:
        self.db = sqlite3.connect(folder / "worker.sqlite")
        self.db.executescript(
            "CREATE TABLE IF NOT EXISTS returns (key TEXT PRIMARY KEY, kind TEXT, about TEXT);"
            "CREATE TABLE IF NOT EXISTS sent (message_id TEXT PRIMARY KEY, status TEXT);"
            "CREATE TABLE IF NOT EXISTS inbox (key TEXT PRIMARY KEY, ins TEXT, subject TEXT);"
        )
        self.recorded = 0
        self.duplicates = 0

    def handle(self, item: ReturnItem, raw: bytes) -> None:
        """Record one return; a second delivery of the same message changes nothing."""
        c = item.classification
        with self.db:  # one transaction: the return and its effects, or nothing
            seen = self.db.execute(
                "INSERT OR IGNORE INTO returns VALUES (?, ?, ?)",
                (item.idempotence_key, c.kind.value, c.original_message_id),
            )
            if seen.rowcount == 0:
                self.duplicates += 1
                return
            self.recorded += 1
            if c.original_message_id and c.kind in STATUS and c.trusted:
                self.db.execute(
                    "INSERT OR REPLACE INTO sent VALUES (?, ?)",
                    (c.original_message_id, STATUS[c.kind]),
                )
            if item.patient_message is not None:
                m = item.patient_message
                self.db.execute(
                    "INSERT OR IGNORE INTO inbox VALUES (?, ?, ?)",
                    (item.idempotence_key, str(m.ins) if m.ins else None, m.subject),
                )

    def summary(self) -> str:
        sent = self.db.execute("SELECT status, COUNT(*) FROM sent GROUP BY status ORDER BY 1")
        lines = [f"  {status}: {n}" for status, n in sent]
        (inbox,) = self.db.execute("SELECT COUNT(*) FROM inbox").fetchone()
        lines.append(f"  patient messages filed: {inbox}")
        return "\n".join(lines)


def run_imap(worker: Worker, folder: Path) -> int:
    env = os.environ
    credentials = None
    if env.get("MSSC_P12"):
        credentials = load_pkcs12(env["MSSC_P12"], env.get("MSSC_P12_PASSWORD"))
    runs = int(env.get("MSSC_WORKER_RUNS", "1"))
    status = 0
    for run in range(runs):
        if run:
            time.sleep(float(env.get("MSSC_WORKER_INTERVAL", "60")))
        with ReturnBox(
            env["MSSC_IMAP_HOST"],
            int(env.get("MSSC_IMAP_PORT", "143")),
            username=env["MSSC_IMAP_USER"],
            token=env.get("MSSC_IMAP_TOKEN"),
            password=env.get("MSSC_IMAP_PASSWORD"),
            credentials=credentials,
            cafile=env.get("MSSC_IMAP_CAFILE"),
            state=folder / "return-box.json",
        ) as box:
            report = box.process(worker.handle)
        print(f"run {run + 1}: {len(report.processed)} processed, {len(report.skipped)} left")
        for s in report.skipped:
            print(f"  UID {s.uid} left in place: {s.reason}")
            status = 1
    print(f"recorded {worker.recorded}, duplicates skipped {worker.duplicates}")
    print(worker.summary())
    return status


def run_offline(worker: Worker) -> int:
    def original(n: int) -> bytes:
        return (
            b"From: <dpi@ch-exemple.mssante.fr>\r\nTo: <279035121518989@patient.mssante.fr>\r\n"
            b"Subject: Votre convocation\r\n"
            b"Message-ID: <conv-%d@ch-exemple.mssante.fr>\r\n\r\nBonjour.\r\n" % n
        )

    returns = [
        make_bounce(original(1), ReplyKind.MAILBOX_CLOSED),
        make_read_receipt(original(2), "displayed"),
        make_patient_reply(original(3), "Merci, je serai présente.", []),
    ]
    for delivery in (1, 2):  # the second delivery is what at-least-once looks like
        for uid, raw in enumerate(returns, start=1):
            worker.handle(read_item(uid, raw), raw)
        print(f"delivery {delivery}: recorded {worker.recorded}, skipped {worker.duplicates}")
    print(worker.summary())
    return 0 if worker.recorded == len(returns) == worker.duplicates else 1


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else Path.cwd()
    folder.mkdir(parents=True, exist_ok=True)
    worker = Worker(folder)
    try:
        if os.environ.get("MSSC_IMAP_HOST"):
            return run_imap(worker, folder)
        print("(MSSC_IMAP_HOST is not set: running on generated returns)")
        return run_offline(worker)
    finally:
        worker.db.close()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
