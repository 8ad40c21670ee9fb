"""Shared by the seed reference programs: a virtual clock on real asyncio, and the example registry.

It prints the same headings as `swift run seeds`, so `compare_seeds.sh` can diff the two. Time is
virtual here too: a loop whose time() jumps to the next timer when nothing is ready (the same
rule as the Swift VirtualClock), so both print exact times. Each example runs as Python would in a
fresh process: no current loop, task names from Task-1.
"""
import asyncio, asyncio.tasks, itertools, selectors, threading, sys, types

class VirtualClock:
    now = 1000.0
CLOCK = VirtualClock()

class VirtualSelector(selectors.DefaultSelector):
    def select(self, timeout=None):
        if timeout is not None and timeout > 0:
            CLOCK.now += timeout
            timeout = 0
        return super().select(timeout)

class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self):
        super().__init__(VirtualSelector())
        self._clock_resolution = 1e-9
    def time(self):
        return CLOCK.now
    def create_task(self, coro, *, name=None, context=None):
        # Default names restart at Task-1 for each example, as in a fresh process.
        if name is None:
            name = f"Task-{next(NAMES[0])}"
        return super().create_task(coro, name=name, context=context)

NAMES = [itertools.count(1)]

class Policy(asyncio.DefaultEventLoopPolicy):
    def new_event_loop(self):
        return VirtualLoop()

class RealTimeLoop(asyncio.SelectorEventLoop):
    """The real clock (for examples that wait on sockets), with the same task names."""
    def create_task(self, coro, *, name=None, context=None):
        if name is None:
            name = f"Task-{next(NAMES[0])}"
        return super().create_task(coro, name=name, context=context)

class RealTimePolicy(asyncio.DefaultEventLoopPolicy):
    def new_event_loop(self):
        return RealTimeLoop()

asyncio.set_event_loop_policy(Policy())
now = lambda: CLOCK.now

EXAMPLES = []
def example(seed, title):
    def register(fn):
        EXAMPLES.append((seed, title, fn))
        return fn
    return register

def ensure_greenlet():
    """Installs PyPI's greenlet on first use (the seed's greenlet example needs the real one)."""
    try:
        import greenlet  # noqa: F401
    except ImportError:
        import subprocess
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "greenlet"], check=True,
                       stdout=subprocess.DEVNULL)
