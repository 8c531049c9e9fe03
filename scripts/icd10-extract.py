#!/usr/bin/env python3
"""Regenerates src/encounters/icd10cm-2026.tsv, the ICD-10-CM code list the server ships.

The tabular list is CDC/NCHS's (public domain); simple_icd_10_cm on PyPI packages it:

    pip download simple_icd_10_cm==1.5.0 --no-deps -d /tmp/icd && unzip -q /tmp/icd/*.whl -d /tmp/icd/x
    python3 scripts/icd10-extract.py /tmp/icd/x/simple_icd_10_cm/data/icd10c-tabular-April-1-2026.xml

Every code of the tabular list (categories and their subdivisions; the 7th-character
extensions of injury codes are not listed one by one there, so not here either).
"""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src/encounters/icd10cm-2026.tsv"


def codes(diag):
    yield diag.findtext("name").strip(), " ".join(diag.findtext("desc").split())
    for child in diag.findall("diag"):
        yield from codes(child)


def main(xml_path):
    root = ET.parse(xml_path).getroot()
    rows = sorted(row for section in root.iter("section") for diag in section.findall("diag") for row in codes(diag))
    with OUT.open("w") as out:
        out.write("# ICD-10-CM tabular list, FY2026 (April 1, 2026 update), code<TAB>description.\n")
        out.write("# Source: CDC/NCHS ICD-10-CM (public domain), as packaged in simple_icd_10_cm 1.5.0 (PyPI).\n")
        out.write("# Regenerate with scripts/icd10-extract.py.\n")
        for code, description in rows:
            out.write(f"{code}\t{description}\n")
    print(f"{len(rows)} codes -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
