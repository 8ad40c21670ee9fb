"""The Python peers of GreenletBench: PyPI greenlet's switch round trip and a generator's next()."""
import time
from greenlet import greenlet, getcurrent

def switch():
    root = getcurrent()
    def run():
        while True:
            root.switch()
    partner = greenlet(run)
    partner.switch()
    count = 2_000_000
    start = time.perf_counter()
    for _ in range(count):
        partner.switch()
    return (time.perf_counter() - start) / count

def generator_next():
    def counter():
        value = 0
        while True:
            yield value
            value += 1
    it = counter()
    count = 2_000_000
    start = time.perf_counter()
    for _ in range(count):
        next(it)
    return (time.perf_counter() - start) / count

for name, body in (("switch", switch), ("next", generator_next)):
    print(name, body())
