#!/usr/bin/env python3
"""Fails when two top-level modules of src/ import each other, directly or around a circle.

A top-level module is a folder of src/ (src/appointments/) or a file beside lib.rs
(src/app.rs). An import is any `crate::name` path in its code, including the grouped form
`use crate::{a::x, b::y}`; comments are ignored. Prints each circle with the files that close it.
"""
import pathlib
import re
import sys

SRC = pathlib.Path(__file__).resolve().parent.parent / "src"
ENTRIES = {"lib", "main"}  # the crate roots compose everything; they are not modules


def module_of(path: pathlib.Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def grouped_names(body: str):
    """Top-level names inside `{ ... }` of `crate::{...}`, skipping nested braces."""
    depth, name, names = 0, "", []
    for ch in body:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and ch == ",":
            names.append(name)
            name = ""
            continue
        if depth == 0:
            name += ch
    names.append(name)
    return [n.strip().split("::")[0].split(" ")[0] for n in names if n.strip()]


def imports(text: str):
    text = strip_comments(text)
    found = set(re.findall(r"\bcrate::([a-z_][a-z0-9_]*)", text))
    for match in re.finditer(r"\bcrate::\{", text):
        depth, i = 1, match.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        found.update(grouped_names(text[match.end() : i - 1]))
    return found


def main() -> int:
    modules = {module_of(p) for p in SRC.rglob("*.rs")} - ENTRIES
    edges: dict[str, dict[str, set[str]]] = {m: {} for m in modules}
    for path in SRC.rglob("*.rs"):
        source = module_of(path)
        if source in ENTRIES:
            continue
        for target in imports(path.read_text()):
            if target in modules and target != source:
                edges[source].setdefault(target, set()).add(str(path.relative_to(SRC.parent)))

    # Tarjan's strongly connected components: every component of more than one module is a circle.
    index, low, stack, on_stack, circles, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for m in sorted(modules):
        if m not in index:
            visit(m)

    if not circles:
        print(f"module imports: {len(modules)} top-level modules of src/, no circles")
        return 0
    for circle in circles:
        print(f"circle: {' <-> '.join(circle)}")
        for a in circle:
            for b in sorted(edges[a]):
                if b in circle:
                    print(f"  {a} -> {b}: {', '.join(sorted(edges[a][b]))}")
    print(f"{len(circles)} circle(s) among the top-level modules of src/: make the shared piece a lower module")
    return 1


if __name__ == "__main__":
    sys.exit(main())
