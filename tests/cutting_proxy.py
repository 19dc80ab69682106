"""A TCP proxy that cuts connections, for sync tests and benchmarks: a weak signal on loopback.

It forwards bytes between a client and an upstream server, counts what the client sent,
and after a random number of client bytes (drawn from `cut_every`) it cuts the connection
that is carrying them, as a dropped signal would: the client's side is reset at once, the
server receives the bytes up to the cut and then the end of the connection. The count of bytes
runs across connections, so "a cut every 200-400 KB" holds however the client reconnects.
With `set_delay`, each read from a client waits that long before it goes on: a slow link,
so that a test can act while an upload is halfway, whatever the speed of the machine.
"""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import dataclass

# Small reads, so that what is "sent but lost" at a cut is close to what a real link
# would lose in flight, not a whole large buffer.
READ_BYTES = 16 * 1024


@dataclass
class ProxyCounts:
    bytes_up: int = 0        # read from clients (sent by them), including bytes lost at a cut
    bytes_down: int = 0      # read from the upstream server
    connections: int = 0
    cuts: int = 0


class CuttingProxy:
    """`with CuttingProxy(port, cut_every=(200_000, 400_000)) as proxy: proxy.url`."""

    def __init__(self, upstream_port: int, *, upstream_host: str = "127.0.0.1",
                 cut_every: tuple[int, int] | None = None, seed: int = 0) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.counts = ProxyCounts()
        self._cut_every = cut_every
        self._delay = 0.0
        self._random = random.Random(seed)
        self._budget = self._draw()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="cutting-proxy", daemon=True)
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set_cut_every(self, cut_every: tuple[int, int] | None) -> None:
        """Change the cutting range (None: a perfect link) from the next byte on."""
        with self._lock:
            self._cut_every = cut_every
            self._budget = self._draw()

    def set_delay(self, delay: float) -> None:
        """Change the wait before each read from a client is forwarded (0: full speed)."""
        self._delay = delay

    def start(self) -> CuttingProxy:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", 0), self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            # Let each connection's task see its cut and end, rather than be destroyed
            # pending when the loop stops.
            serving = {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}
            if serving:
                _, stuck = await asyncio.wait(serving, timeout=5)
                for task in stuck:
                    task.cancel()
                await asyncio.gather(*stuck, return_exceptions=True)
        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def __enter__(self) -> CuttingProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _draw(self) -> int | None:
        return None if self._cut_every is None else self._random.randint(*self._cut_every)

    def _take(self, size: int) -> int | None:
        """Count `size` bytes from a client; return how many to forward before a cut, or
        None to forward them all."""
        with self._lock:
            self.counts.bytes_up += size
            if self._budget is None:
                return None
            if size < self._budget:
                self._budget -= size
                return None
            keep, self._budget = self._budget, self._draw()
            self.counts.cuts += 1
            return keep

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.transport.abort()
            return
        with self._lock:
            self.counts.connections += 1
        both = (client_writer, upstream_writer)
        self._writers.update(both)

        def cut() -> None:
            for writer in both:
                writer.transport.abort()

        async def up() -> None:
            while data := await client_reader.read(READ_BYTES):
                if self._delay:
                    await asyncio.sleep(self._delay)
                keep = self._take(len(data))
                if keep is not None:
                    # The bytes before the cut reach the server; nothing after them does,
                    # and the client sees its connection reset.
                    client_writer.transport.abort()
                    upstream_writer.write(data[:keep])
                    upstream_writer.close()
                    return
                upstream_writer.write(data)
                await upstream_writer.drain()
            upstream_writer.write_eof()

        async def down() -> None:
            while data := await upstream_reader.read(READ_BYTES):
                with self._lock:
                    self.counts.bytes_down += len(data)
                client_writer.write(data)
                await client_writer.drain()
            client_writer.close()

        try:
            await asyncio.gather(up(), down())
        except (ConnectionError, OSError, RuntimeError):
            cut()
        finally:
            self._writers.difference_update(both)
