#!/usr/bin/python3
"""tests/lib/read_xlsx.py -- dump an .xlsx as flat lines for shell tests.

Run with $XETL_PYTHON (Debian's python3 with python3-openpyxl):

    read_xlsx.py FILE            one line per fact, tab-separated:
      sheets      <names joined by ','>
      created     <ISO timestamp of the workbook's created property>
      freeze      <sheet> <top-left cell of the frozen pane or ''>
      filter      <sheet> <autofilter range or ''>
      charts      <sheet> <number of charts anchored on the sheet>
      chartkinds  <sheet> <chart types joined by ','>
      condfmt     <sheet> <range> <rule types joined by ','>
      cell        <sheet> <A1> <type n|s|d|b> <value> <number format>

A real reader, not our writer's view: what openpyxl (and so Excel-like
readers) sees is what the tests assert.
"""
import sys
import zipfile

import openpyxl


def main(path):
    out = []
    wb = openpyxl.load_workbook(path)  # not read_only: charts and panes need the full model
    out.append(("sheets", ",".join(wb.sheetnames)))
    created = wb.properties.created
    out.append(("created", created.strftime("%Y-%m-%dT%H:%M:%SZ") if created else ""))
    for ws in wb.worksheets:
        out.append(("freeze", ws.title, ws.freeze_panes or ""))
        out.append(("filter", ws.title, ws.auto_filter.ref or ""))
        out.append(("charts", ws.title, str(len(ws._charts))))
        out.append(("chartkinds", ws.title, ",".join(type(c).__name__ for c in ws._charts)))
        for cf in ws.conditional_formatting:
            out.append(("condfmt", ws.title, str(cf.sqref), ",".join(r.type for r in cf.rules)))
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                v = c.value
                if c.data_type == "d" or hasattr(v, "isoformat"):
                    v = v.strftime("%Y-%m-%dT%H:%M:%S")
                elif isinstance(v, float):
                    v = repr(v)
                else:
                    v = str(v).replace("\t", "\\t").replace("\n", "\\n")
                out.append(("cell", ws.title, c.coordinate, c.data_type, v, c.number_format))
    # Chart parts as stored, independent of openpyxl's chart reader.
    with zipfile.ZipFile(path) as z:
        parts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        out.append(("chartparts", str(len(parts))))
    for line in out:
        print("\t".join(line))


if __name__ == "__main__":
    main(sys.argv[1])
