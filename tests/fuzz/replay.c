/*
 * tests/fuzz/replay.c — runs a fuzz target once on each file named (or in each
 * directory named), without libFuzzer: `make check` replays the seed corpus and
 * the regression inputs of every target this way.  Prints TAP, one assertion a
 * file; a crash or broken invariant kills the run, which the runner reports.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz.h"

static int n;

static void one(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("not ok %d - cannot open %s\n", ++n, path);
        return;
    }
    size_t cap = 1 << 16, len = 0, got;
    unsigned char *buf = malloc(cap);
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf)
        abort();
    /* An exact-size copy, so a read past the end is caught by ASan as under libFuzzer. */
    unsigned char *exact = malloc(len ? len : 1);
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    printf("ok %d - %s\n", ++n, path);
    fflush(stdout);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        one(path);
        return;
    }
    DIR *d = opendir(path);
    struct dirent *e;
    char **names = NULL;
    size_t k = 0;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        names = realloc(names, (k + 1) * sizeof *names);
        size_t l = strlen(path) + strlen(e->d_name) + 2;
        names[k] = malloc(l);
        snprintf(names[k++], l, "%s/%s", path, e->d_name);
    }
    if (d)
        closedir(d);
    if (k)
        qsort(names, k, sizeof *names, by_name);
    for (size_t i = 0; i < k; i++) {
        walk(names[i]);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        walk(argv[i]);
    printf("1..%d\n", n);
    return 0;
}
