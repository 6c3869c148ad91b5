/*
 * trustm_sim_storage.c - where the chip's NVM image lives: a locked state file or memory, and
 * the power-cut hook that both call before each durable write step (trustm_sim.h).  The chip
 * model itself does no file I/O; sim/trustm_sim.c loads and commits through this interface.
 */
#define _DEFAULT_SOURCE /* flock */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trustm_bytes.h"
#include "trustm_sim_int.h"

#define FILE_MAX (16u * 1024u * 1024u)

static bool cut_here(trustm_sim_storage_t *st, const char *step)
{
    return st->cut != NULL && st->cut(st->cut_ctx, step);
}

bool trustm_sim_powercut_hook(void *powercut, const char *step)
{
    trustm_sim_powercut_t *pc = powercut;
    if (pc == NULL || pc->fired)
        return pc != NULL && pc->fired; /* no power after the cut */
    pc->steps++;
    if (pc->cut_at == 0 || pc->steps != pc->cut_at)
        return false;
    pc->fired = true;
    snprintf(pc->step, sizeof pc->step, "%s", step);
    return true;
}

/* ------------------------------------------------------------------ file */

typedef struct file_store {
    char *path;
    char *tmp;
    char *dir;
    char *lock;
    int lock_fd;
} file_store_t;

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int sim_file_read(const char *path, uint8_t **out, size_t *out_len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        if (errno == ENOENT)
            return 1; /* no chip yet */
        sim_err(err, errlen, "state file %s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < 0 || (uint64_t)sb.st_size > FILE_MAX) {
        sim_err(err, errlen, "state file %s: not a regular file of sensible size", path);
        close(fd);
        return -1;
    }
    size_t n = (size_t)sb.st_size, got = 0;
    uint8_t *buf = malloc(n + 1u);
    if (buf == NULL) {
        close(fd);
        sim_err(err, errlen, "state file %s: out of memory", path);
        return -1;
    }
    while (got < n) {
        ssize_t k = read(fd, buf + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            sim_err(err, errlen, "state file %s: read failed: %s", path, strerror(errno));
            close(fd);
            trustm_wipe(buf, n);
            free(buf);
            return -1;
        }
        if (k == 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    *out = buf;
    *out_len = got;
    return 0;
}

static int file_load(trustm_sim_storage_t *st, uint8_t **out, size_t *out_len, char *err, size_t errlen)
{
    const file_store_t *f = st->impl;
    return sim_file_read(f->path, out, out_len, err, errlen);
}

/* Durable write steps: tmp-open, tmp-write (the first half), tmp-write-end, tmp-fsync, rename,
 * dir-fsync.  A cut before rename leaves the old file (and a torn or complete temp file that is
 * never read); a cut after it leaves the new file. */
static int file_commit(trustm_sim_storage_t *st, const uint8_t *buf, size_t n, char *err, size_t errlen)
{
    file_store_t *f = st->impl;
    if (cut_here(st, "tmp-open"))
        return TRUSTM_SIM_STORAGE_CUT;
    int fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        sim_err(err, errlen, "state file %s: cannot create: %s", f->tmp, strerror(errno));
        return -1;
    }
    size_t half = n / 2u;
    int rc = 0;
    if (cut_here(st, "tmp-write"))
        rc = TRUSTM_SIM_STORAGE_CUT;
    else if (write_all(fd, buf, half) != 0)
        rc = -1;
    else if (cut_here(st, "tmp-write-end"))
        rc = TRUSTM_SIM_STORAGE_CUT; /* torn temp file */
    else if (write_all(fd, buf + half, n - half) != 0)
        rc = -1;
    else if (cut_here(st, "tmp-fsync"))
        rc = TRUSTM_SIM_STORAGE_CUT;
    else if (fsync(fd) != 0)
        rc = -1;
    if (rc == -1)
        sim_err(err, errlen, "state file %s: write failed: %s", f->tmp, strerror(errno));
    if (close(fd) != 0 && rc == 0) {
        sim_err(err, errlen, "state file %s: write failed: %s", f->tmp, strerror(errno));
        rc = -1;
    }
    if (rc == TRUSTM_SIM_STORAGE_CUT)
        return rc; /* the temp file stays as the cut left it */
    if (rc == 0 && cut_here(st, "rename"))
        return TRUSTM_SIM_STORAGE_CUT;
    if (rc == 0 && rename(f->tmp, f->path) != 0) {
        sim_err(err, errlen, "state file %s: cannot replace: %s", f->path, strerror(errno));
        rc = -1;
    }
    if (rc != 0) {
        unlink(f->tmp);
        return rc;
    }
    if (cut_here(st, "dir-fsync"))
        return TRUSTM_SIM_STORAGE_CUT;
    int dfd = open(f->dir, O_RDONLY);
    if (dfd < 0 || fsync(dfd) != 0) {
        sim_err(err, errlen, "state file %s: cannot sync its directory %s: %s", f->path, f->dir, strerror(errno));
        if (dfd >= 0)
            close(dfd);
        return -1; /* renamed, but not known to be durable */
    }
    close(dfd);
    return 0;
}

static void file_close(trustm_sim_storage_t *st)
{
    file_store_t *f = st->impl;
    if (f == NULL)
        return;
    if (f->lock_fd >= 0) {
        unlink(f->lock);   /* while still holding it: a waiting opener re-checks the inode */
        close(f->lock_fd); /* releases the lock */
    }
    free(f->lock);
    free(f->path);
    free(f->tmp);
    free(f->dir);
    free(f);
    st->impl = NULL;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* Name of this process for the lock file ("trustm-sim", "trustm", a test). */
static void self_name(char *out, size_t n)
{
    out[0] = '\0';
    FILE *c = fopen("/proc/self/comm", "r");
    if (c != NULL) {
        if (fgets(out, (int)n, c) == NULL)
            out[0] = '\0';
        fclose(c);
    }
    out[strcspn(out, "\n")] = '\0';
}

/* The lock file exists only while a holder has it: the holder removes it before unlocking, so
 * whoever locks must check that the file it locked is still the one at the path (else it locked
 * a removed file: try again). */
static int take_lock(file_store_t *f, char *err, size_t errlen)
{
    const char *lock = f->lock;
    int fd = -1;
    for (int attempt = 0; attempt < 5; attempt++) {
        fd = open(lock, O_RDWR | O_CREAT, 0600);
        if (fd < 0) {
            sim_err(err, errlen, "state file %s: cannot create the lock file %s: %s", f->path, lock, strerror(errno));
            return -1;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0)
            break; /* held: report below */
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(lock, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
            goto locked;
        close(fd); /* the holder removed it meanwhile */
        fd = -1;
    }
    if (fd < 0) {
        sim_err(err, errlen, "state file %s: cannot lock %s", f->path, lock);
        return -1;
    }
    {
        char holder[128] = "";
        ssize_t k = pread(fd, holder, sizeof holder - 1u, 0);
        holder[k > 0 ? (size_t)k : 0u] = '\0';
        holder[strcspn(holder, "\n")] = '\0';
        sim_err(err, errlen, "state file %s is in use by %s; stop it first or use that process", f->path,
                holder[0] != '\0' ? holder : "another process");
        close(fd);
        return -1;
    }
locked:;
    char me[64], line[128];
    self_name(me, sizeof me);
    int len = snprintf(line, sizeof line, "pid %ld (%s)\n", (long)getpid(), me[0] != '\0' ? me : "unknown");
    if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)len, 0) != len) {
        /* the lock holds all the same; only the holder's name is missing */
    }
    f->lock_fd = fd;
    return 0;
}

int trustm_sim_storage_file(trustm_sim_storage_t *st, const char *path, char *errbuf, size_t errlen)
{
    if (st == NULL || path == NULL || path[0] == '\0') {
        sim_err(errbuf, errlen, "no state file given");
        return -1;
    }
    memset(st, 0, sizeof *st);
    file_store_t *f = calloc(1, sizeof *f);
    if (f == NULL || strlen(path) > 4000u) {
        free(f);
        sim_err(errbuf, errlen, "state file %s: path too long or out of memory", path);
        return -1;
    }
    f->lock_fd = -1;
    f->path = strdup(path);
    f->dir = dir_of(path);
    f->tmp = malloc(strlen(path) + 5u);
    f->lock = malloc(strlen(path) + 6u);
    st->impl = f;
    st->load = file_load;
    st->commit = file_commit;
    st->close = file_close;
    if (f->path == NULL || f->dir == NULL || f->tmp == NULL || f->lock == NULL) {
        file_close(st);
        sim_err(errbuf, errlen, "state file %s: out of memory", path);
        return -1;
    }
    sprintf(f->tmp, "%s.tmp", path);
    sprintf(f->lock, "%s.lock", path);
    st->name = f->path;
    if (take_lock(f, errbuf, errlen) != 0) {
        file_close(st);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- memory */

static int mem_load(trustm_sim_storage_t *st, uint8_t **out, size_t *out_len, char *err, size_t errlen)
{
    trustm_sim_mem_t *m = st->impl;
    if (m->image == NULL)
        return 1;
    uint8_t *b = malloc(m->len);
    if (b == NULL) {
        sim_err(err, errlen, "memory storage: out of memory");
        return -1;
    }
    memcpy(b, m->image, m->len);
    *out = b;
    *out_len = m->len;
    return 0;
}

/* Two slots, like a tearing-safe flash scheme: write the shadow (a cut leaves the half-written
 * shadow), then switch (one atomic step). */
static int mem_commit(trustm_sim_storage_t *st, const uint8_t *buf, size_t n, char *err, size_t errlen)
{
    trustm_sim_mem_t *m = st->impl;
    if (cut_here(st, "shadow-write"))
        return TRUSTM_SIM_STORAGE_CUT;
    uint8_t *b = malloc(n > 0 ? n : 1u);
    if (b == NULL) {
        sim_err(err, errlen, "memory storage: out of memory");
        return -1;
    }
    if (m->shadow != NULL) {
        trustm_wipe(m->shadow, m->shadow_len);
        free(m->shadow);
    }
    m->shadow = b;
    m->shadow_len = n;
    memcpy(b, buf, n / 2u);
    if (cut_here(st, "shadow-write-end"))
        return TRUSTM_SIM_STORAGE_CUT;
    memcpy(b + n / 2u, buf + n / 2u, n - n / 2u);
    if (cut_here(st, "switch"))
        return TRUSTM_SIM_STORAGE_CUT;
    uint8_t *old = m->image;
    size_t old_len = m->len;
    m->image = m->shadow;
    m->len = m->shadow_len;
    m->shadow = old;
    m->shadow_len = old_len;
    m->commits++;
    return 0;
}

void trustm_sim_storage_memory(trustm_sim_storage_t *st, trustm_sim_mem_t *mem)
{
    memset(st, 0, sizeof *st);
    st->impl = mem;
    st->name = "memory";
    st->load = mem_load;
    st->commit = mem_commit;
}

void trustm_sim_mem_free(trustm_sim_mem_t *mem)
{
    if (mem == NULL)
        return;
    if (mem->image != NULL)
        trustm_wipe(mem->image, mem->len);
    if (mem->shadow != NULL)
        trustm_wipe(mem->shadow, mem->shadow_len);
    free(mem->image);
    free(mem->shadow);
    memset(mem, 0, sizeof *mem);
}
