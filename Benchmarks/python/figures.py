"""Reads the "<peer> <bench> <seconds per op>" lines the micro runners collect: medians and spans."""
import collections, statistics

def load(path):
    figures = collections.defaultdict(list)
    for line in open(path):
        peer, bench, seconds = line.split()
        figures[(peer, bench)].append(float(seconds))
    return figures

def med(figures, peer, bench):
    return statistics.median(figures[(peer, bench)])

def span(figures, peer, bench, digits=0):
    values = figures[(peer, bench)]
    return f"{min(values) * 1e9:.{digits}f}-{max(values) * 1e9:.{digits}f}"
