"""Parse RDF documents with rdflib and compare their graphs.

    rdfcompare.py FIRST NAME PATH FORMAT [NAME PATH FORMAT ...]

Prints JSON: {"counts": {name: triples}, "errors": {name: message},
"isomorphic": {name: bool}, "diff": {name: text}}, each document compared
with the one named FIRST. Page URLs name the format's extension
(/catalog.ttl?page=1, or /catalog?page=1 when negotiated): they are
normalised to /catalog.EXT?… first.
Literal normalisation is off so lexical forms are compared as written.
"""
import json
import re
import sys

import rdflib
from rdflib import URIRef
from rdflib.compare import graph_diff, to_isomorphic

rdflib.NORMALIZE_LITERALS = False
PAGE = re.compile(r"/catalog(\.(ttl|rdf|xml|jsonld|nt))?(?=\?)")


def load(path, fmt):
    g = rdflib.Graph()
    g.parse(path, format=fmt)
    out = rdflib.Graph()
    for s, p, o in g:
        s = URIRef(PAGE.sub("/catalog.EXT", s)) if isinstance(s, URIRef) else s
        o = URIRef(PAGE.sub("/catalog.EXT", o)) if isinstance(o, URIRef) else o
        out.add((s, p, o))
    return out


def main(argv):
    first, rest = argv[0], argv[1:]
    graphs, res = {}, {"counts": {}, "errors": {}, "isomorphic": {}, "diff": {}}
    for name, path, fmt in zip(rest[::3], rest[1::3], rest[2::3]):
        try:
            graphs[name] = load(path, fmt)
            res["counts"][name] = len(graphs[name])
        except Exception as e:  # a parse error is a result, not a crash
            res["errors"][name] = "%s: %s" % (type(e).__name__, e)
    if first in graphs:
        ref = to_isomorphic(graphs[first])
        for name, g in graphs.items():
            iso = to_isomorphic(g)
            res["isomorphic"][name] = iso == ref
            if iso != ref:
                _, only_first, only_this = graph_diff(ref, iso)
                lines = ["only in %s: %s" % (first, " ".join(t.n3() for t in tr)) for tr in sorted(only_first)[:10]]
                lines += ["only in %s: %s" % (name, " ".join(t.n3() for t in tr)) for tr in sorted(only_this)[:10]]
                res["diff"][name] = "\n".join(lines)
    json.dump(res, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
