"""Servidores de mentira só em 127.0.0.1, para testar a rede sem sair da máquina.

* :func:`closed_port`: uma porta onde ninguém escuta (conexão recusada);
* :class:`SilentServer`: aceita a conexão e nunca responde (a rede que descarta pacotes, vista da aplicação);
* :class:`FakeHub`: responde HTTP 404 a tudo (um Hub no ar que não conhece o id pedido).

Cada um para sozinho no fim do ``with``; nenhum fala com outro endereço.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def closed_port() -> int:
    """Uma porta livre de 127.0.0.1 sem ninguém escutando."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SilentServer:
    """Aceita conexões em 127.0.0.1 e não manda um byte sequer até fechar."""

    def __enter__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.accepted = []
        self._stop = threading.Event()
        self.sock.settimeout(0.2)
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def _loop(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
                self.accepted.append(conn)
            except OSError:
                continue

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join(2)
        for conn in self.accepted:
            conn.close()
        self.sock.close()


class _NotFound(BaseHTTPRequestHandler):
    def _answer(self):
        self.requests.append(self.path)
        body = b'{"error": "Repository not found"}'
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Error-Code", "RepoNotFound")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = _answer

    def log_message(self, *args):
        pass


class FakeHub:
    """Um "Hub" em 127.0.0.1 que responde 404 (repositório não encontrado) a qualquer pedido."""

    def __enter__(self):
        handler = type("Handler", (_NotFound,), {"requests": []})
        self.requests = handler.requests
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
