"""Validate RDF documents against the official DCAT-AP 3 SHACL shapes with pyshacl.

Usage: validate.py [--json FILE] DATA FORMAT [DATA FORMAT ...]
       FORMAT: turtle | json-ld | xml | nt

Shape set A: 3.0.1 consolidated (dcat-ap-SHACL.ttl) + ranges.ttl + missing-shapes-3.0.1.ttl.
  Before any data is validated, the repair is checked: (a) the supplement defines exactly the
  property shapes 3.0.1 references but never defines, (b) each with the sh:path (and constraint)
  of the 3.0.0 shape with the same id, and (c) set A passes meta-SHACL. Every DATA file must
  conform to A with no validation result at all (no inference).
Shape set B: the modular 3.0.1 set (shapes + range + shapes_recommended). No sh:Violation is
  allowed; warnings (recommended properties missing) are reported.

Prints one JSON line {"files": [{"file", "A_results", "B_violations", "B_warnings": [...]}]}
(also written to FILE with --json), then SHACL OK. Exits non-zero with a readable report on any
failure. Works offline: nothing is fetched (no owl:imports, no remote JSON-LD context).
"""
import json
import os
import sys

from pyshacl import validate
from rdflib import Graph, Namespace, URIRef
from rdflib.term import BNode

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPES = os.path.join(HERE, "dcat-ap")
SUPPLEMENT = os.path.join(HERE, "missing-shapes-3.0.1.ttl")
SH = Namespace("http://www.w3.org/ns/shacl#")
FORMATS = {"turtle", "json-ld", "xml", "nt"}


class Failure(Exception):
    pass


def load(*paths):
    g = Graph()
    for p in paths:
        g.parse(p, format="turtle")
    return g


def dangling(g):
    """IRIs used as shapes (objects of sh:property, sh:node, sh:not, sh:qualifiedValueShape)
    that are the subject of no triple in g."""
    used = set()
    for p in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape):
        used.update(o for o in g.objects(None, p) if isinstance(o, URIRef))
    subjects = set(g.subjects())
    return {u for u in used if u not in subjects}


def shape_set_a():
    official = load(os.path.join(SHAPES, "3.0.1", "dcat-ap-SHACL.ttl"), os.path.join(SHAPES, "3.0.1", "ranges.ttl"))
    supplement = load(SUPPLEMENT)
    missing = dangling(official)
    defined = set(supplement.subjects())
    # (a) The supplement defines exactly what is missing: it cannot override an official shape,
    # and once SEMIC fixes the files this fails and says the supplement is no longer needed.
    if defined != missing:
        raise Failure(
            "the supplement no longer matches the 3.0.1 files:\n"
            f"  referenced but undefined, not in the supplement: {sorted(map(str, missing - defined))}\n"
            f"  in the supplement, not a dangling reference: {sorted(map(str, defined - missing))}"
        )
    if not missing:
        raise Failure("3.0.1 has no dangling references any more; drop missing-shapes-3.0.1.ttl")
    # (b) Each supplement shape says what the 3.0.0 shape with the same id said.
    v300 = load(os.path.join(SHAPES, "3.0.0", "dcat-ap-SHACL.ttl"))
    for shape in sorted(defined):
        suffix = "/" + str(shape).rsplit("/", 1)[1]
        same = [s for s in set(v300.subjects()) if isinstance(s, URIRef) and str(s).endswith(suffix)]
        if len(same) != 1:
            raise Failure(f"{shape}: expected one 3.0.0 shape ending in {suffix}, found {len(same)}")
        old = same[0]
        ours = list(supplement.objects(shape, SH.path))
        theirs = list(v300.objects(old, SH.path))
        if len(ours) != 1 or ours != theirs:
            raise Failure(f"{shape}: sh:path {ours} differs from 3.0.0 {old}'s {theirs}")
        for p, o in supplement.predicate_objects(shape):
            if (old, p, o) not in v300:
                raise Failure(f"{shape}: {p} {o} is not what 3.0.0 {old} says")
    shapes = official + supplement
    if dangling(shapes):
        raise Failure(f"set A still has dangling references: {sorted(map(str, dangling(shapes)))}")
    # (c) Set A is a well-formed shapes graph (pyshacl raises otherwise).
    try:
        validate(Graph(), shacl_graph=shapes, inference="none", meta_shacl=True)
    except Exception as e:  # ReportableRuntimeError with the meta-SHACL report
        raise Failure(f"set A fails meta-SHACL: {e}") from e
    return shapes


def shape_set_b():
    modular = os.path.join(SHAPES, "3.0.1", "modular")
    return load(*(os.path.join(modular, f) for f in ("shapes.ttl", "range.ttl", "shapes_recommended.ttl")))


def no_remote_context(node, where):
    """rdflib fetches a JSON-LD @context or @import given by URL; refuse rather than go online."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "@context" and (isinstance(v, str) or (isinstance(v, list) and any(isinstance(x, str) for x in v))):
                raise Failure(f"{where}: remote JSON-LD @context {v!r} (must be inline)")
            if k == "@import":
                raise Failure(f"{where}: JSON-LD @import {v!r}")
            no_remote_context(v, where)
    elif isinstance(node, list):
        for v in node:
            no_remote_context(v, where)


def parse_data(path, fmt):
    if fmt not in FORMATS:
        raise Failure(f"{path}: unknown format {fmt!r} (one of {sorted(FORMATS)})")
    if fmt == "json-ld":
        with open(path, encoding="utf-8") as f:
            no_remote_context(json.load(f), path)
    g = Graph()
    try:
        g.parse(path, format=fmt)
    except Exception as e:
        raise Failure(f"{path}: not valid {fmt}: {e}") from e
    if len(g) == 0:
        raise Failure(f"{path}: no triples")
    return g


def results(report):
    out = []
    for r in report.subjects(SH.resultSeverity, None):
        path = report.value(r, SH.resultPath)
        focus = report.value(r, SH.focusNode)
        out.append(
            {
                "severity": str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
                "focus": None if isinstance(focus, BNode) else str(focus),
                "focus_blank": isinstance(focus, BNode),
                "path": None if path is None or isinstance(path, BNode) else str(path),
                "message": " ".join(str(m) for m in report.objects(r, SH.resultMessage)),
                "shape": str(report.value(r, SH.sourceShape)),
                "value": None if report.value(r, SH.value) is None else str(report.value(r, SH.value)),
            }
        )
    return sorted(out, key=lambda x: (x["severity"], x["focus"] or "", x["path"] or "", x["message"]))


def main(argv):
    json_out = None
    if argv[:1] == ["--json"]:
        if len(argv) < 2:
            raise Failure("--json needs a file")
        json_out, argv = argv[1], argv[2:]
    if not argv or len(argv) % 2:
        raise Failure(__doc__)
    a, b = shape_set_a(), shape_set_b()
    files, problems = [], []
    for path, fmt in zip(argv[::2], argv[1::2]):
        data = parse_data(path, fmt)
        _, report_a, text_a = validate(data, shacl_graph=a, inference="none", meta_shacl=False)
        found_a = results(report_a)
        _, report_b, text_b = validate(data, shacl_graph=b, inference="none", meta_shacl=False, allow_warnings=True)
        found_b = results(report_b)
        violations_b = [r for r in found_b if r["severity"] != "Warning"]
        warnings_b = [{"focus": r["focus"], "path": r["path"], "message": r["message"]} for r in found_b if r["severity"] == "Warning"]
        files.append(
            {
                "file": path,
                "triples": len(data),
                "A_results": len(found_a),
                "B_violations": len(violations_b),
                "B_warnings": warnings_b,
            }
        )
        if found_a:
            problems.append(f"{path} ({fmt}) does not conform to set A (3.0.1 + ranges + supplement):\n{text_a}")
        if violations_b:
            problems.append(f"{path} ({fmt}) has violations of set B (3.0.1 modular):\n{text_b}")
    line = json.dumps({"files": files}, ensure_ascii=False)
    print(line)
    if json_out:
        with open(json_out, "w", encoding="utf-8") as f:
            f.write(line + "\n")
    if problems:
        raise Failure("\n\n".join(problems))
    print("SHACL OK")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Failure as e:
        print(f"SHACL FAILED: {e}", file=sys.stderr)
        sys.exit(1)
