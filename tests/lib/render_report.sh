#!/bin/sh
# render_report.sh XLSX OUTDIR — the workbook as its reader sees it on paper:
# LibreOffice headless prints every sheet to one PDF (page setup as the file
# asks: landscape, scaling, repeated header rows), poppler turns each page into
# OUTDIR/page-N.png.  For `make render-report`; needs libreoffice-calc-nogui and
# poppler-utils (not needed by make check).
set -eu
xlsx=$1 out=$2
command -v soffice >/dev/null 2>&1 || { echo "render_report: soffice not found (apt-get install libreoffice-calc-nogui)" >&2; exit 69; }
command -v pdftoppm >/dev/null 2>&1 || { echo "render_report: pdftoppm not found (apt-get install poppler-utils)" >&2; exit 69; }
mkdir -p "$out"
prof=$(mktemp -d /tmp/xetl-render.XXXXXX)
trap 'rm -rf "$prof"' EXIT
soffice -env:UserInstallation=file://"$prof" --headless --convert-to pdf --outdir "$prof" "$xlsx" >/dev/null 2>&1
pdf="$prof/$(basename "${xlsx%.xlsx}").pdf"
[ -s "$pdf" ] || { echo "render_report: LibreOffice wrote no PDF for $xlsx" >&2; exit 70; }
cp "$pdf" "$out/workbook.pdf"
rm -f "$out"/page-*.png
pdftoppm -r "${RENDER_DPI:-70}" -png "$pdf" "$out/page"
echo "$out/workbook.pdf: $(ls "$out"/page-*.png | wc -l | tr -d ' ') pages as $out/page-*.png"
