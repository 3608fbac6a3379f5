/*
 * reports/report_files.h — where the report writers put their files: the
 * output directory, and the list of paths written.  The atomic temp-file
 * helpers themselves are declared in report.h (report_tmp_*, report_commit_file).
 */
#ifndef XETL_REPORT_FILES_H
#define XETL_REPORT_FILES_H

#include "common/stage.h"
#include "common/xerr.h"
#include "reports/report.h"

/* Creates dir and its parents; 73 when it cannot be made or written in. */
int report_mkdir_p(const char *path, struct xerr *err);
/* Logs a warning when every user may write in dir. */
void report_warn_shared_dir(const char *dir);
/* A file written: its path for the caller, one more for the run's counts (may be NULL). */
void report_files_add(struct report_files *f, const char *path, struct stage_counts *counts);

#endif
