/*
 * reports/report_files.c — temp files renamed into place, the output
 * directory, stale temp files of killed writers, the files' mode (see
 * report.h and report_files.h).
 */
#include "reports/report_files.h"

#include "common/config.h"
#include "common/log.h"
#include "common/sbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* This host's name for temp files: another host sharing report.out has its own PIDs. */
static void tmp_host(char *out, size_t n)
{
    if (gethostname(out, n - 1) != 0 || !*out)
        snprintf(out, n, "localhost");
    out[n - 1] = '\0';
    for (char *c = out; *c; c++)
        if (*c == '/')
            *c = '_';
}

void report_tmp_name(const char *final_path, char *out, size_t n)
{
    const char *slash = strrchr(final_path, '/');
    char host[256];
    tmp_host(host, sizeof host);
    if (slash)
        snprintf(out, n, "%.*s/.%s.tmp-%s-%ld", (int)(slash - final_path), final_path, slash + 1, host,
                 (long)getpid());
    else
        snprintf(out, n, ".%s.tmp-%s-%ld", final_path, host, (long)getpid());
}

int report_io_code(int e)
{
    /* A full disk, a file size limit or a failing device is the machine's state, not a bug in xetl. */
    if (e == ENOSPC || e == EFBIG || e == EDQUOT || e == EIO)
        return XETL_EX_IOERR;
    /* A path that names a file, a missing or read-only place: the operator's to fix (73). */
    if (e == EACCES || e == EPERM || e == ENOENT || e == ENOTDIR || e == EISDIR || e == EEXIST || e == EROFS ||
        e == ENAMETOOLONG || e == ELOOP)
        return XETL_EX_CANTCREAT;
    return XETL_EX_SOFTWARE;
}

int report_io_error(struct xerr *err, int e, const char *what, const char *path)
{
    if (report_io_code(e) == XETL_EX_IOERR)
        return xerr_set(err, XETL_EX_IOERR, "cannot %s '%s': %s (%s; no report was written under that name)", what,
                        path, strerror(e), e == EIO ? "the device failed" : "disk full or file size limit");
    return xerr_set(err, report_io_code(e), "cannot %s '%s': %s", what, path, strerror(e));
}

int report_tmp_open(const char *final_path, char *tmp, size_t n, struct xerr *err)
{
    char prefix[4096];
    int fd;

    /*
     * A fresh name that nobody can have planted: mkostemp opens it with
     * O_CREAT|O_EXCL (a symlink or file already there is refused, never
     * followed) and mode 0600 until report_commit_file() sets the final mode.
     */
    report_tmp_name(final_path, prefix, sizeof prefix);
    if ((size_t)snprintf(tmp, n, "%s.XXXXXX", prefix) >= n)
        return -xerr_set(err, XETL_EX_SOFTWARE, "path too long: '%s'", final_path);
    if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
        return -report_io_error(err, errno, "create", tmp);
    return fd;
}

/* report_defer_sync(): the process's runs sync their files at the end (report.h). */
static bool defer_sync;

void report_defer_sync(bool on)
{
    defer_sync = on;
}

/* fsync of path (a file or a directory); 0 or errno.  Non-blocking, and only a regular
 * file or a directory: a FIFO planted under a report's name in a shared directory never
 * blocks the run. */
static int sync_path(const char *path, int flags)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | flags), e = 0;
    if (fd < 0)
        return errno;
    if (fstat(fd, &st))
        e = errno;
    else if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        e = EINVAL;
    else if (fsync(fd))
        e = errno;
    close(fd);
    return e;
}

int report_sync_files(const struct report_files *files, struct xerr *err)
{
    char **dirs = xcalloc((size_t)files->n + 1, sizeof *dirs);
    int ndirs = 0, rc = 0, e;

    for (int i = 0; i < files->n; i++) {
        if ((e = sync_path(files->paths[i], O_NOFOLLOW))) {
            rc = report_io_error(err, e, "sync", files->paths[i]);
            break;
        }
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", files->paths[i]);
        const char *d = dirname(dir);
        int k = 0;
        while (k < ndirs && strcmp(dirs[k], d))
            k++;
        if (k == ndirs)
            dirs[ndirs++] = xstrdup(d);
    }
    /* The renames themselves (best effort, as report_commit_file's). */
    for (int k = 0; k < ndirs; k++) {
        if (!rc)
            (void)sync_path(dirs[k], O_DIRECTORY);
        free(dirs[k]);
    }
    free(dirs);
    return rc;
}

int report_commit_file(const char *tmp_path, const char *final_path, mode_t mode, struct xerr *err)
{
    char dir[4096];
    int fd;

    /* The data must be on disk before the name points at it. */
    if ((fd = open(tmp_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return report_io_error(err, errno, "open", tmp_path);
    if (fchmod(fd, mode)) {
        int e = errno;
        close(fd);
        return report_io_error(err, e, "set the mode of", tmp_path);
    }
    if (!defer_sync && fsync(fd)) {
        int e = errno;
        close(fd);
        return report_io_error(err, e, "sync", final_path);
    }
    close(fd);
    if (rename(tmp_path, final_path)) {
        /* A directory at the report's name, a read-only place, a directory that cannot grow: 73 or 74. */
        int e = errno;
        return xerr_set(err, report_io_code(e), "cannot rename '%s' to '%s': %s", tmp_path, final_path,
                        strerror(e));
    }
    if (defer_sync)
        return 0;
    snprintf(dir, sizeof dir, "%s", final_path);
    /* The rename itself must survive a crash: sync the directory (best effort). */
    (void)sync_path(dirname(dir), O_DIRECTORY);
    return 0;
}

int report_sweep_tmp(const char *dir)
{
    DIR *dh = opendir(dir);
    struct dirent *e;
    char host[256], path[4096];
    size_t hl;
    int removed = 0;
    /* Housekeeping, not a result: files untouched this long are no live writer's. */
    time_t stale_before = time(NULL) - REPORT_TMP_STALE_S;

    if (!dh)
        return 0;
    tmp_host(host, sizeof host);
    hl = strlen(host);
    while ((e = readdir(dh)) != NULL) {
        const char *n = e->d_name, *t, *p;
        char *end;
        struct stat st;
        /* The accounts' reports' and the roll-up's (reports/rollup.c) */
        if ((strncmp(n, ".xetl-roi-", 10) && strncmp(n, ".xetl-rollup-", 13)) || !(t = strstr(n, ".tmp-")))
            continue;
        p = t + 5;
        /* ".tmp-HOST-PID", or ".tmp-PID" from versions before the host was added */
        if (!strncmp(p, host, hl) && p[hl] == '-')
            p += hl + 1;
        long pid = strtol(p, &end, 10);
        /* ".PID.XXXXXX": mkostemp's suffix since temp names became unguessable */
        if (end[0] == '.' && strlen(end) == 7)
            end += 7;
        if (*end || end == p || pid <= 0 || pid == (long)getpid())
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, n);
        /*
         * Both a dead PID and an old file: a container sharing this host name
         * (and report.out) has PIDs of its own, but its live writer keeps its
         * file fresh.
         */
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        if (stat(path, &st) != 0 || st.st_mtime >= stale_before)
            continue;
        if (unlink(path) == 0)
            removed++;
    }
    closedir(dh);
    return removed;
}

int report_file_mode(const struct config *cfg, mode_t *mode, struct xerr *err)
{
    const char *s = cfg ? config_get(cfg, "report.file_mode") : NULL;
    char *end;
    long m;

    if (!s || !*s) {
        *mode = REPORT_FILE_MODE;
        return 0;
    }
    errno = 0;
    m = strtol(s, &end, 8);
    if (errno || *end || end == s || m < 0 || m > 0777)
        return xerr_set(err, XETL_EX_CONFIG, "report.file_mode '%s' is not an octal file mode such as 0640", s);
    /* A nightly reopens each file to sync it at the end (report_sync_files). */
    if (!(m & 0400))
        return xerr_set(err, XETL_EX_CONFIG, "report.file_mode '%s' does not let the owner read the files", s);
    *mode = (mode_t)m;
    return 0;
}

/*
 * Reports hold the account's numbers: say so when anyone on the machine may
 * add, remove or replace files where they are written (a sticky directory
 * such as /tmp still lets others plant names, so it is named too).
 */
void report_warn_shared_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0 && (st.st_mode & S_IWOTH))
        log_warn("report.out '%s' is writable by every user (mode %04o); use a directory only xetl's user and "
                 "the report readers can write", dir, (unsigned)(st.st_mode & 07777));
}

int report_mkdir_p(const char *path, struct xerr *err)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return xerr_set(err, XETL_EX_USAGE, "bad output directory '%s'", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0777) && errno != EEXIST)
                return report_io_error(err, errno, "create output directory", buf);
            buf[i] = c;
        }
    }
    /* It may exist as something else: say so before a temp file fails inside it. */
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return xerr_set(err, XETL_EX_CANTCREAT, "output directory '%s' exists and is not a directory", path);
    if (access(path, W_OK | X_OK) != 0)
        return xerr_set(err, XETL_EX_CANTCREAT, "cannot write in output directory '%s': %s", path, strerror(errno));
    return 0;
}

void report_files_add(struct report_files *f, const char *path, struct stage_counts *counts)
{
    f->paths = xrealloc(f->paths, sizeof *f->paths * (size_t)(f->n + 1));
    f->paths[f->n++] = xstrdup(path);
    if (counts)
        counts->reports++;
}

void report_files_release(struct report_files *f)
{
    for (int i = 0; i < f->n; i++)
        free(f->paths[i]);
    free(f->paths);
    f->paths = NULL;
    f->n = 0;
}
