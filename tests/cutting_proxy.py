"""A TCP proxy that cuts connections, for sync tests and benchmarks: a weak signal on loopback.

It forwards bytes between a client and an upstream server, counts what the client sent,
and after a random number of client bytes (drawn from `cut_every`) it cuts the connection
that is carrying them, as a dropped signal would: the client's side is reset at once, the
server receives the bytes up to the cut and then the end of the connection. The count of bytes
runs across connections, so "a cut every 200-400 KB" holds however the client reconnects.
With `set_delay`, each read from a client waits that long before it goes on: a slow link,
so that a test can act while an upload is halfway, whatever the speed of the machine.

With `link=Link(bandwidth_bps, rtt_s)` it is a phone's uplink: each direction is one pipe
shared by every connection, that carries `bandwidth_bps` and delivers each byte half the
round trip after it went on the wire; a new connection waits one round trip (the TCP
handshake) before its first byte moves. Bytes are read from a client only as fast as the
pipe takes them, so what a client has handed to its socket but the pipe has not carried
yet is lost at a cut, as on the air. `cuts` gives the exact gaps between cuts (a property
test draws them) instead of drawing them from `cut_every`. `set_delay` applies without a link.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass

# Small reads, so that what is "sent but lost" at a cut is close to what a real link
# would lose in flight, not a whole large buffer.
READ_BYTES = 16 * 1024
# Through a slow link: a read is what the pipe carries at once, so a cut loses at most this
# much that the count calls sent, and connections interleave finely.
LINK_READ_BYTES = 4 * 1024


@dataclass(frozen=True)
class Link:
    """A link's speed (bits per second, None: unlimited) and round-trip time (seconds)."""

    bandwidth_bps: float | None = None
    rtt_s: float = 0.0


class _Pipe:
    """One direction of a link: bytes go on the wire one after another, at its speed.

    A token bucket of `BURST_S`: a proxy woken late (a busy machine) catches up on the
    time it lost instead of leaving the link idle, as the link itself would not have been;
    over any longer time the speed holds."""

    BURST_S = 0.02

    def __init__(self, bandwidth_bps: float | None) -> None:
        self.bandwidth_bps = bandwidth_bps
        self.free_at = 0.0

    async def carry(self, size: int) -> None:
        """Wait until `size` bytes have gone on the wire after those before them."""
        if not self.bandwidth_bps:
            return
        now = asyncio.get_running_loop().time()
        self.free_at = max(now - self.BURST_S, self.free_at) + size * 8 / self.bandwidth_bps
        if self.free_at > now:
            await asyncio.sleep(self.free_at - now)


@dataclass
class ProxyCounts:
    bytes_up: int = 0        # read from clients (sent by them), including bytes lost at a cut
    bytes_down: int = 0      # read from the upstream server
    connections: int = 0
    cuts: int = 0


class CuttingProxy:
    """`with CuttingProxy(port, cut_every=(200_000, 400_000)) as proxy: proxy.url`."""

    def __init__(self, upstream_port: int, *, upstream_host: str = "127.0.0.1",
                 cut_every: tuple[int, int] | None = None, seed: int = 0, link: Link | None = None,
                 cuts: Iterable[int] | None = None) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.counts = ProxyCounts()
        self._cut_every = cut_every
        self._cuts = iter(cuts) if cuts is not None else None
        self._delay = 0.0
        self._random = random.Random(seed)
        self._budget = self._draw()
        self.link = link or Link()
        self._pipes = (_Pipe(self.link.bandwidth_bps), _Pipe(self.link.bandwidth_bps))  # up, down
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

    def set_cuts(self, cuts: Iterable[int] | None) -> None:
        """Cut after each of these numbers of client bytes in turn, then no more (None: go
        back to `cut_every`)."""
        with self._lock:
            self._cuts = iter(cuts) if cuts is not None else None
            self._budget = self._draw()

    def _draw(self) -> int | None:
        if self._cuts is not None:
            return next(self._cuts, None)
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

        if self.link != Link():
            up, down = self._link_directions(client_reader, client_writer, upstream_reader, upstream_writer)
        else:
            up, down = self._directions(client_reader, client_writer, upstream_reader, upstream_writer)
        try:
            await asyncio.gather(up(), down())
        except (ConnectionError, OSError, RuntimeError):
            cut()
        finally:
            self._writers.difference_update(both)

    def _directions(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter,
                    upstream_reader: asyncio.StreamReader, upstream_writer: asyncio.StreamWriter):
        """Loopback speed: bytes go on as soon as they are read."""

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

        return up, down

    def _link_directions(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter,
                         upstream_reader: asyncio.StreamReader, upstream_writer: asyncio.StreamWriter):
        """Through `link`: each read waits for its turn on the pipe, then arrives half a
        round trip later, in order."""
        half = self.link.rtt_s / 2
        up_pipe, down_pipe = self._pipes
        loop = asyncio.get_running_loop()

        async def deliver(queue: asyncio.Queue, writer: asyncio.StreamWriter, end) -> None:
            while True:
                due, data = await queue.get()
                if (wait := due - loop.time()) > 0:
                    await asyncio.sleep(wait)
                if data is None:
                    end(writer)
                    return
                writer.write(data)
                await writer.drain()

        def half_close(writer: asyncio.StreamWriter) -> None:
            if writer.can_write_eof():
                writer.write_eof()

        async def up() -> None:
            queue: asyncio.Queue = asyncio.Queue()
            delivering = asyncio.ensure_future(deliver(queue, upstream_writer, half_close))
            try:
                await asyncio.sleep(self.link.rtt_s)  # the handshake
                while data := await client_reader.read(LINK_READ_BYTES):
                    keep = self._take(len(data))
                    if keep is not None:
                        client_writer.transport.abort()
                        await up_pipe.carry(keep)
                        queue.put_nowait((loop.time() + half, data[:keep]))
                        queue.put_nowait((loop.time() + half, None))
                        await delivering
                        upstream_writer.close()
                        return
                    await up_pipe.carry(len(data))
                    queue.put_nowait((loop.time() + half, data))
                queue.put_nowait((loop.time() + half, None))
                await delivering
            finally:
                delivering.cancel()

        async def down() -> None:
            queue: asyncio.Queue = asyncio.Queue()
            delivering = asyncio.ensure_future(deliver(queue, client_writer, lambda writer: writer.close()))
            try:
                while data := await upstream_reader.read(LINK_READ_BYTES):
                    with self._lock:
                        self.counts.bytes_down += len(data)
                    await down_pipe.carry(len(data))
                    queue.put_nowait((loop.time() + half, data))
                queue.put_nowait((loop.time() + half, None))
                await delivering
            finally:
                delivering.cancel()

        return up, down
