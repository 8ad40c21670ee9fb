"""The seed examples as Python programs, run on real asyncio with a virtual clock.

It prints the same headings as `swift run seeds`, so the SeedExamplesTests can diff the two. Time is
virtual here too: a loop whose time() jumps to the next timer when nothing is ready (the same
rule as the Swift VirtualClock), so both print exact times. Each example runs as Python would in a
fresh process: no current loop, task names from Task-1. The examples are in seed000.py ... seed004.py.
"""
import asyncio, itertools, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_support import EXAMPLES, NAMES, Policy
import seed000, seed001, seed002, seed003, seed004  # noqa: F401  (they register the examples)

if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    filters = sys.argv[1:]
    for seed, title, fn in EXAMPLES:
        heading = f"=== seed {seed} · {title} ==="
        if filters and not any(f in heading for f in filters):
            continue
        print(heading)
        asyncio.set_event_loop_policy(Policy())
        NAMES[0] = itertools.count(1)
        fn()
        print()
