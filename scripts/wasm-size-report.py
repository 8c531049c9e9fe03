#!/usr/bin/env python3
"""What the main WASM module is made of: code bytes per crate and the largest functions.

Reads the main module as the splitter leaves it, before wasm-bindgen and wasm-opt strip its
names (so sizes are larger than what ships, but in proportion):

    scripts/wasm-size-report.py [path]   # default: $CARGO_TARGET_DIR/front/.../caduceus_split.wasm

Used to find what keeps the first load above its target (see README, "How pages are shipped").
"""

import collections
import os
import re
import sys


def uleb(data: bytes, i: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, i


def sections(data: bytes):
    i = 8
    while i < len(data):
        section_id = data[i]
        size, i = uleb(data, i + 1)
        yield section_id, data[i : i + size]
        i += size


def imported_functions(body: bytes) -> int:
    count, j = uleb(body, 0)
    functions = 0
    for _ in range(count):
        for _ in range(2):  # module and field names
            length, j = uleb(body, j)
            j += length
        kind = body[j]
        j += 1
        if kind == 0:  # function: type index
            _, j = uleb(body, j)
            functions += 1
        elif kind == 1:  # table: element type, limits
            j += 1
            flags, j = uleb(body, j)
            _, j = uleb(body, j)
            if flags & 1:
                _, j = uleb(body, j)
        elif kind == 2:  # memory: limits
            flags, j = uleb(body, j)
            _, j = uleb(body, j)
            if flags & 1:
                _, j = uleb(body, j)
        elif kind == 3:  # global: type, mutability
            j += 2
    return functions


def function_names(body: bytes) -> dict[int, str]:
    length, j = uleb(body, 0)
    if body[j : j + length] != b"name":
        return {}
    j += length
    names = {}
    while j < len(body):
        subsection = body[j]
        size, j = uleb(body, j + 1)
        if subsection == 1:
            count, k = uleb(body, j)
            for _ in range(count):
                index, k = uleb(body, k)
                length, k = uleb(body, k)
                names[index] = body[k : k + length].decode("utf8", "replace")
                k += length
        j += size
    return names


def crate_of(name: str) -> str:
    if name.startswith("__wbindgen_describe"):
        return "(wasm-bindgen descriptors, removed by wasm-bindgen)"
    legacy = re.match(r"_ZN(\d+)([a-z_]\w*)", name)
    if legacy and not name.startswith(f"_ZN{legacy.group(1)}_$"):
        return legacy.group(2)[: int(legacy.group(1))]
    inner = re.findall(r"(?:_ZN\d+|\.\.|LT\$)([a-z_][a-z0-9_]+)\.\.", name)
    if inner:
        return inner[0]
    v0 = re.search(r"\d+([a-z_][a-z0-9_]+)", name)
    return v0.group(1) if v0 else name[:40]


def main() -> int:
    default = os.path.join(
        os.environ.get("CARGO_TARGET_DIR", "target"), "front/wasm32-unknown-unknown/wasm-release/caduceus_split.wasm"
    )
    path = sys.argv[1] if len(sys.argv) > 1 else default
    data = open(path, "rb").read()
    imports, bodies, names, data_bytes = 0, [], {}, 0
    for section_id, body in sections(data):
        if section_id == 2:
            imports = imported_functions(body)
        elif section_id == 10:
            count, j = uleb(body, 0)
            for _ in range(count):
                size, j = uleb(body, j)
                bodies.append(size)
                j += size
        elif section_id == 11:
            data_bytes = len(body)
        elif section_id == 0:
            names.update(function_names(body))
    print(f"{path}: {len(bodies)} functions, {sum(bodies) / 1000:.0f} kB code, {data_bytes / 1000:.0f} kB data")
    per_crate = collections.Counter()
    for index, size in enumerate(bodies):
        per_crate[crate_of(names.get(index + imports, "?"))] += size
    print("\nCode per crate (kB):")
    for crate, size in per_crate.most_common(25):
        print(f"  {size / 1000:8.1f}  {crate}")
    print("\nLargest functions (bytes):")
    largest = sorted(((size, names.get(i + imports, "?")) for i, size in enumerate(bodies)), reverse=True)[:20]
    for size, name in largest:
        print(f"  {size:8d}  {name[:150]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
