/*
 * reports/xlsx.h — the ROI workbook (libxlsxwriter).
 *
 * Sheets in this order: Summary (headline beside the previous period, best
 * and worst arms, charts), Posts, Content types, Formulas, Hooks,
 * Attribution, Daily health, Timing (best-time-to-post heatmap and the
 * fitted engagement curves the Summary chart draws).  Header rows frozen,
 * autofilter on every table, number formats by column kind, conditional
 * formats on the key columns; tweet ids are text; NaN/Inf are left blank.
 * The workbook's created date is the report's as-of (so the same data gives
 * the same workbook), constant_memory mode bounds memory on large sheets, and
 * the file is written under a temporary name and renamed into place.
 *
 * Only this file includes libxlsxwriter.
 */
#ifndef XETL_XLSX_H
#define XETL_XLSX_H

#include "common/xerr.h"
#include "reports/report.h"

/*
 * Writes the workbook of d to path atomically, mode d->file_mode.  Returns 0,
 * 74 when the disk is full or the file size limit is reached, or 70.
 * libxlsxwriter's own stderr lines are captured and logged as warnings.
 */
int xlsx_write(const struct report_data *d, const char *path, struct xerr *err);

/* Writes the agency roll-up workbook (one sheet, "Roll-up") atomically. */
int xlsx_write_rollup(const struct rollup_data *d, const char *path, struct xerr *err);

#endif
