/*
 * id2_kdc.c - id2-kdc: the key distribution centre of ID2 devices (docs/cloud.md).
 *
 * Creates the registry and its master key, issues devices (ID2, key, provisioning files),
 * lists, shows, revokes and exports them, and verifies auth codes with the same verifier the
 * broker uses. Exit status: 0 ok, 1 refused / not found, 2 usage, 3 runtime (I/O, database).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>

#include "id2reg/id2_registry.h"
#include "id2v/id2v.h"

#define EXIT_OK      0
#define EXIT_REFUSED 1
#define EXIT_USAGE   2
#define EXIT_RUNTIME 3

#define KDC_VERSION    "0.1.0"
#define MAX_COUNT      100000L
#define DEFAULT_WINDOW 300u

static const char main_help[] =
    "Usage: id2-kdc [--registry FILE] [--master-key FILE] COMMAND [options]\n"
    "Key distribution centre for ID2 devices: the registry of ID2s and device keys (keys encrypted\n"
    "at rest with AES-256-GCM under a master key), provisioning files, and auth-code checks.\n"
    "\n"
    "Global options:\n"
    "  --registry FILE     the registry: a SQLite file, or a PostgreSQL connection string\n"
    "                      (postgresql://user@host:port/db, or pg:<libpq conninfo>) (default: $ID2_REGISTRY)\n"
    "  --master-key FILE   the master key file, 64 hex characters, mode 0600 (default: $ID2_MASTER_KEY)\n"
    "  --help, --version\n"
    "\n"
    "Commands (each has --help):\n"
    "  init                          create the master key file (if missing) and the registry\n"
    "  issue --product PK ...        create devices and their provisioning files\n"
    "  list [--json]                 every device, in issue order\n"
    "  show ID2|PK/DN [--json]       one device (never its key)\n"
    "  revoke ID2|PK/DN              revoke a device (idempotent)\n"
    "  export ID2|PK/DN --out-dir D  write a device's provisioning files again\n"
    "  import --product PK ...       register an existing device and its key\n"
    "  verify AUTHCODE (--id2 ID2 | --name PK/DN) ...   check an auth code\n"
    "  migrate --to URL [--to-master-key FILE]          copy the registry into another (PostgreSQL)\n"
    "\n"
    "Exit status: 0 ok, 1 verification refused / device not found or revoked, 2 usage error,\n"
    "3 runtime error (file, database, wrong master key).\n";

static const char init_help[] =
    "Usage: id2-kdc [global options] init\n"
    "Create the master key file (32 random bytes as 64 hex characters, mode 0600) unless it\n"
    "exists, then create the registry (mode 0600, WAL mode) or check that the master key opens it.\n";

static const char issue_help[] =
    "Usage: id2-kdc [global options] issue --product PK [--count N] [--type aes|rsa|secret]\n"
    "       [--name DN] [--out-dir DIR] [--json]\n"
    "Create N devices (default 1) of product PK with a fresh ID2 and key (default type aes:\n"
    "AES-128; rsa: RSA-1024; secret: a 32-character device secret and no ID2).\n"
    "  --name DN      device name (only with --count 1; default: the ID2, or dev-<n> for secret)\n"
    "  --out-dir DIR  write DIR/<device name>/ per device (key files 0600):\n"
    "                   device_id.txt   the ID2 (24 hex; trustm id2-provision --device-id)\n"
    "                   aes_key.txt     AES key, 32 hex (trustm-protupd key_algo=129 key_data=...)\n"
    "                   rsa_key.pem     RSA private key PEM (trustm-protupd key_algo=65 key_data=...)\n"
    "                   rsa_pub.pem     RSA public key PEM\n"
    "                   device_secret.txt  the device secret (secret devices)\n"
    "                   device.json, device.env  pk, dn, id2, type\n"
    "                 Without --out-dir the keys stay in the registry only (see export).\n"
    "  --json         print a JSON array instead of one line per device\n";

static const char list_help[] = "Usage: id2-kdc [global options] list [--json]\n"
                                "Every device in issue order: ID2 (or -), PK/DN, type, state.\n";

static const char show_help[] =
    "Usage: id2-kdc [global options] show ID2|PK/DN [--json]\n"
    "One device: ID2, product key, device name, type, revocation, creation time. Never the key.\n";

static const char revoke_help[] =
    "Usage: id2-kdc [global options] revoke ID2|PK/DN\n"
    "Revoke a device: the broker refuses it from then on. Revoking twice keeps the first time.\n";

static const char export_help[] =
    "Usage: id2-kdc [global options] export ID2|PK/DN --out-dir DIR\n"
    "Write the provisioning files of one device into DIR/<device name>/ (as issue --out-dir).\n";

static const char import_help[] =
    "Usage: id2-kdc [global options] import --product PK [--name DN]\n"
    "       (--id2 ID2 (--aes-key FILE | --rsa-key FILE) | --secret FILE)\n"
    "Register a device whose key already exists (a chip provisioned elsewhere):\n"
    "  --id2 ID2        its ID2, 24 upper-case hex characters\n"
    "  --aes-key FILE   AES-128 key as hex text (the aes_key.txt format)\n"
    "  --rsa-key FILE   RSA-1024 private key, PEM or DER\n"
    "  --secret FILE    device secret (text; one trailing newline is ignored); needs --name\n";

static const char verify_help[] =
    "Usage: id2-kdc [global options] verify AUTHCODE (--id2 ID2 | --name PK/DN) [--challenge C]\n"
    "       [--extra E] [--window S] [--now MS]\n"
    "Check an auth code \"<type>~2~<device random>~<challenge|timestamp>~<base64>\" of a device.\n"
    "  --challenge C  types 0/2: the server random that was issued (not checked when absent)\n"
    "  --extra E      types 2/3: the extra the device signed (e.g. the exact MQTT client id); required\n"
    "  --window S     types 1/3: accepted clock difference in seconds (default 300)\n"
    "  --now MS       types 1/3: the current time in ms since 1970 (default: the system clock)\n"
    "Prints \"valid: type N, device random R, ...\" (exit 0) or the reason (one line, exit 1).\n"
    "It does not record the code in the replay store.\n";

typedef struct {
    const char *registry;
    const char *master;
} globals_t;

static int usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "id2-kdc%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (try --help)\n");
    return EXIT_USAGE;
}

static int error(const char *cmd, int code, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "id2-kdc %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

/* Exit code for a registry / verifier status. */
static int status_exit(int st)
{
    switch (st) {
    case ID2V_OK:
        return EXIT_OK;
    case ID2V_ERR_UNKNOWN_DEVICE:
    case ID2V_ERR_REVOKED:
    case ID2V_ERR_TYPE:
    case ID2V_ERR_CHALLENGE:
    case ID2V_ERR_SIGNATURE:
    case ID2V_ERR_STALE:
    case ID2V_ERR_REPLAY:
    case ID2V_ERR_NAME_MISMATCH:
    case ID2V_ERR_FORMAT:
    case ID2V_ERR_NOT_SUPPORTED:
        return EXIT_REFUSED;
    case ID2V_ERR_BAD_PARAM:
        return EXIT_USAGE;
    default:
        return EXIT_RUNTIME;
    }
}

static int want_help(int argc, char **argv, const char *text)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(text, stdout);
            return 1;
        }
    return 0;
}

/* "--opt VALUE" or "--opt=VALUE" at argv[*i]; NULL when argv[*i] is another option. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, int *missing)
{
    size_t n = strlen(name);
    *missing = 0;
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

static int open_registry(const globals_t *g, const char *cmd, int create, id2_registry_t **reg)
{
    char err[ID2REG_ERR_LEN];
    if (g->registry == NULL || g->registry[0] == '\0')
        return usage(cmd, "no registry: give --registry FILE or set ID2_REGISTRY");
    if (g->master == NULL || g->master[0] == '\0')
        return usage(cmd, "no master key: give --master-key FILE or set ID2_MASTER_KEY");
    int st = id2_registry_open(g->registry, g->master, create, reg, err, sizeof err);
    if (st != ID2V_OK)
        return error(cmd, EXIT_RUNTIME, "%s", err);
    return EXIT_OK;
}

static const char *type_name(id2v_key_type_t t)
{
    return t == ID2V_KEY_AES ? "aes" : t == ID2V_KEY_RSA ? "rsa" : t == ID2V_KEY_SECRET ? "secret" : "?";
}

static void iso_time(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 32, "%" PRId64, t);
}

/* ID2 or PK/DN into a device (with the key when key != NULL). */
static int lookup(id2_registry_t *reg, const char *cmd, const char *ref, id2_device_t *d, id2v_key_t *key)
{
    char err[ID2REG_ERR_LEN], pk[65], dn[65];
    const char *slash = strchr(ref, '/');
    int st;
    if (slash != NULL) {
        size_t pl = (size_t)(slash - ref);
        if (pl == 0 || pl >= sizeof pk || strlen(slash + 1) >= sizeof dn)
            return usage(cmd, "'%s': expected an ID2 (24 hex) or PK/DN", ref);
        memcpy(pk, ref, pl);
        pk[pl] = '\0';
        strcpy(dn, slash + 1);
        if (!id2v_valid_pk(pk) || !id2v_valid_dn(dn))
            return usage(cmd, "'%s': malformed product key or device name", ref);
        st = id2_registry_find_name(reg, pk, dn, d, key, err, sizeof err);
    } else {
        if (!id2v_valid_id2(ref))
            return usage(cmd, "'%s': expected an ID2 (24 upper-case hex characters) or PK/DN", ref);
        st = id2_registry_find_id2(reg, ref, d, key, err, sizeof err);
    }
    if (st != ID2V_OK)
        return error(cmd, status_exit(st) == EXIT_REFUSED ? EXIT_REFUSED : EXIT_RUNTIME, "%s", err);
    return EXIT_OK;
}

/* ------------------------------------------------------------------ output files */

static int write_file(const char *dir, const char *name, const void *data, size_t len, mode_t mode, char *why,
                      size_t why_size)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        snprintf(why, why_size, "%s: %s", path, strerror(errno));
        return 0;
    }
    ssize_t w = write(fd, data, len);
    int ok = w == (ssize_t)len && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = 0;
    if (!ok)
        snprintf(why, why_size, "%s: %s", path, w < 0 ? strerror(errno) : "write failed");
    return ok;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                unlinkat(dirfd(d), e->d_name, 0);
        }
        closedir(d);
    }
    rmdir(dir);
}

static int hex_text(const uint8_t *b, size_t n, char *out, size_t out_size)
{
    static const char hx[] = "0123456789ABCDEF";
    if (2 * n + 2 > out_size)
        return 0;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[b[i] >> 4];
        out[2 * i + 1] = hx[b[i] & 15];
    }
    out[2 * n] = '\n';
    out[2 * n + 1] = '\0';
    return 1;
}

/* The files of one device, written into a temporary directory then renamed into DIR/<dn>:
 * either all of them appear or none. */
static int write_device_files(const char *out_dir, const id2_device_t *d, const id2v_key_t *k, char *why,
                              size_t why_size)
{
    char final[4096], tmp[4096], buf[4096];
    snprintf(final, sizeof final, "%s/%s", out_dir, d->dn);
    if (access(final, F_OK) == 0) {
        snprintf(why, why_size, "%s already exists", final);
        return 0;
    }
    snprintf(tmp, sizeof tmp, "%s/.%s.tmpXXXXXX", out_dir, d->dn);
    if (mkdtemp(tmp) == NULL) {
        snprintf(why, why_size, "%s: cannot create a directory: %s", out_dir, strerror(errno));
        return 0;
    }
    int ok = 1;
    if (d->type != ID2V_KEY_SECRET) {
        char id[32];
        snprintf(id, sizeof id, "%s\n", d->id2);
        ok = write_file(tmp, "device_id.txt", id, strlen(id), 0644, why, why_size);
    }
    if (ok && d->type == ID2V_KEY_AES) {
        ok = hex_text(k->key, k->key_len, buf, sizeof buf) &&
             write_file(tmp, "aes_key.txt", buf, strlen(buf), 0600, why, why_size);
    } else if (ok && d->type == ID2V_KEY_RSA) {
        mbedtls_pk_context pk;
        mbedtls_pk_init(&pk);
        ok = mbedtls_pk_parse_key(&pk, k->key, k->key_len, NULL, 0) == 0 &&
             mbedtls_pk_write_key_pem(&pk, (unsigned char *)buf, sizeof buf) == 0;
        if (!ok)
            snprintf(why, why_size, "cannot encode the RSA key");
        ok = ok && write_file(tmp, "rsa_key.pem", buf, strlen(buf), 0600, why, why_size);
        if (ok && mbedtls_pk_write_pubkey_pem(&pk, (unsigned char *)buf, sizeof buf) != 0) {
            snprintf(why, why_size, "cannot encode the RSA public key");
            ok = 0;
        }
        ok = ok && write_file(tmp, "rsa_pub.pem", buf, strlen(buf), 0644, why, why_size);
        mbedtls_pk_free(&pk);
    } else if (ok) {
        snprintf(buf, sizeof buf, "%.*s\n", (int)k->key_len, (const char *)k->key);
        ok = write_file(tmp, "device_secret.txt", buf, strlen(buf), 0600, why, why_size);
    }
    mbedtls_platform_zeroize(buf, sizeof buf);
    if (ok) {
        snprintf(buf, sizeof buf, "{\"pk\":\"%s\",\"dn\":\"%s\",\"id2\":\"%s\",\"type\":\"%s\"}\n", d->pk, d->dn,
                 d->id2, type_name(d->type));
        ok = write_file(tmp, "device.json", buf, strlen(buf), 0644, why, why_size);
    }
    if (ok) {
        snprintf(buf, sizeof buf, "PK=%s\nDN=%s\nID2=%s\nTYPE=%s\n", d->pk, d->dn, d->id2, type_name(d->type));
        ok = write_file(tmp, "device.env", buf, strlen(buf), 0644, why, why_size);
    }
    if (ok && chmod(tmp, 0700) != 0) {
        snprintf(why, why_size, "%s: %s", tmp, strerror(errno));
        ok = 0;
    }
    if (ok && rename(tmp, final) != 0) {
        snprintf(why, why_size, "%s: %s", final, strerror(errno));
        ok = 0;
    }
    if (!ok)
        remove_tree(tmp);
    return ok;
}

static void print_device(const id2_device_t *d, int json, const char *dir)
{
    char created[32], revoked[32];
    iso_time(d->created, created);
    iso_time(d->revoked_at, revoked);
    if (json) {
        printf("{\"id2\":\"%s\",\"pk\":\"%s\",\"dn\":\"%s\",\"type\":\"%s\",\"revoked\":%s,\"created\":\"%s\"", d->id2,
               d->pk, d->dn, type_name(d->type), d->revoked ? "true" : "false", created);
        if (d->revoked)
            printf(",\"revoked_at\":\"%s\"", revoked);
        if (dir != NULL)
            printf(",\"dir\":\"%s/%s\"", dir, d->dn);
        printf("}");
    } else {
        printf("%s %s/%s %s %s", d->id2[0] ? d->id2 : "-", d->pk, d->dn, type_name(d->type),
               d->revoked ? "revoked" : "active");
        if (dir != NULL)
            printf(" %s/%s", dir, d->dn);
        printf("\n");
    }
}

/* ------------------------------------------------------------------ commands */

static int no_more_args(const char *cmd, int argc, char **argv, int from)
{
    if (from < argc)
        return usage(cmd, argv[from][0] == '-' ? "unknown option '%s'" : "unexpected argument '%s'", argv[from]);
    return EXIT_OK;
}

/* The registry as shown in messages: never a connection string (it may hold a password). */
static const char *reg_shown(const char *registry)
{
    return strncmp(registry, "postgres", 8) == 0 || strncmp(registry, "pg:", 3) == 0 ? "(PostgreSQL)" : registry;
}

static int cmd_init(const globals_t *g, int argc, char **argv)
{
    if (want_help(argc, argv, init_help))
        return EXIT_OK;
    int rc = no_more_args("init", argc, argv, 1);
    if (rc != EXIT_OK)
        return rc;
    if (g->registry == NULL || g->master == NULL)
        return open_registry(g, "init", 1, NULL);
    char err[ID2REG_ERR_LEN];
    int created = 0;
    if (access(g->master, F_OK) != 0) {
        if (id2_registry_master_create(g->master, err, sizeof err) != ID2V_OK)
            return error("init", EXIT_RUNTIME, "%s", err);
        created = 1;
    }
    id2_registry_t *reg = NULL;
    if ((rc = open_registry(g, "init", 1, &reg)) != EXIT_OK) {
        if (created)
            unlink(g->master);
        return rc;
    }
    id2_registry_close(reg);
    printf("registry %s ready (master key %s%s)\n", reg_shown(g->registry), g->master, created ? " created" : "");
    return EXIT_OK;
}

static const char migrate_help[] =
    "Usage: id2-kdc [global options] migrate --to URL [--to-master-key FILE]\n"
    "Copy every device of the registry (keys re-encrypted under the destination's master key,\n"
    "issue and revocation times kept), its replay store and authentication status into the\n"
    "registry URL (created when empty; typically postgresql://...), in one transaction: all or\n"
    "nothing. The destination must not hold any of the devices. Stop the verifiers first.\n"
    "  --to URL              destination registry (PostgreSQL connection string or SQLite file)\n"
    "  --to-master-key FILE  destination master key (default: the source's)\n";

static int cmd_migrate(const globals_t *g, int argc, char **argv)
{
    if (want_help(argc, argv, migrate_help))
        return EXIT_OK;
    const char *to = NULL, *to_key = NULL, *v;
    int miss;
    for (int i = 1; i < argc; i++) {
        if ((v = opt_value(argc, argv, &i, "--to", &miss)) != NULL || miss) {
            if (miss)
                return usage("migrate", "--to needs a registry URL");
            to = v;
        } else if ((v = opt_value(argc, argv, &i, "--to-master-key", &miss)) != NULL || miss) {
            if (miss)
                return usage("migrate", "--to-master-key needs a file name");
            to_key = v;
        } else {
            return usage("migrate", argv[i][0] == '-' ? "unknown option '%s'" : "unexpected argument '%s'", argv[i]);
        }
    }
    if (to == NULL || to[0] == '\0')
        return usage("migrate", "--to URL is required");
    id2_registry_t *src = NULL, *dst = NULL;
    int rc = open_registry(g, "migrate", 0, &src);
    if (rc != EXIT_OK)
        return rc;
    char err[ID2REG_ERR_LEN];
    size_t nd = 0, nr = 0;
    int st = id2_registry_open(to, to_key != NULL ? to_key : g->master, 1, &dst, err, sizeof err);
    if (st == ID2V_OK)
        st = id2_registry_copy(src, dst, &nd, &nr, err, sizeof err);
    id2_registry_close(dst);
    id2_registry_close(src);
    if (st != ID2V_OK)
        return error("migrate", EXIT_RUNTIME, "%s", err);
    printf("migrated %zu devices and %zu replay entries from %s to %s\n", nd, nr, reg_shown(g->registry),
           reg_shown(to));
    return EXIT_OK;
}

static int parse_type(const char *v, id2v_key_type_t *t)
{
    if (strcmp(v, "aes") == 0)
        *t = ID2V_KEY_AES;
    else if (strcmp(v, "rsa") == 0)
        *t = ID2V_KEY_RSA;
    else if (strcmp(v, "secret") == 0)
        *t = ID2V_KEY_SECRET;
    else
        return 0;
    return 1;
}

static int check_out_dir(const char *cmd, const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return error(cmd, EXIT_RUNTIME, "--out-dir %s: not a directory", dir);
    if (access(dir, W_OK) != 0)
        return error(cmd, EXIT_RUNTIME, "--out-dir %s: not writable", dir);
    return EXIT_OK;
}

static int cmd_issue(const globals_t *g, int argc, char **argv)
{
    if (want_help(argc, argv, issue_help))
        return EXIT_OK;
    const char *pk = NULL, *dn = NULL, *out_dir = NULL, *v;
    long count = 1;
    id2v_key_type_t type = ID2V_KEY_AES;
    int json = 0, miss;
    for (int i = 1; i < argc; i++) {
        if ((v = opt_value(argc, argv, &i, "--product", &miss)) != NULL || miss) {
            if (miss)
                return usage("issue", "--product needs a product key");
            pk = v;
        } else if ((v = opt_value(argc, argv, &i, "--name", &miss)) != NULL || miss) {
            if (miss)
                return usage("issue", "--name needs a device name");
            dn = v;
        } else if ((v = opt_value(argc, argv, &i, "--out-dir", &miss)) != NULL || miss) {
            if (miss)
                return usage("issue", "--out-dir needs a directory");
            out_dir = v;
        } else if ((v = opt_value(argc, argv, &i, "--type", &miss)) != NULL || miss) {
            if (miss || !parse_type(v, &type))
                return usage("issue", "--type must be aes, rsa or secret");
        } else if ((v = opt_value(argc, argv, &i, "--count", &miss)) != NULL || miss) {
            char *end = NULL;
            errno = 0;
            count = miss ? 0 : strtol(v, &end, 10);
            if (miss || errno != 0 || end == v || *end != '\0' || count < 1 || count > MAX_COUNT)
                return usage("issue", "--count must be a number 1..%ld", MAX_COUNT);
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else {
            return no_more_args("issue", argc, argv, i);
        }
    }
    if (pk == NULL)
        return usage("issue", "--product PK is required");
    if (!id2v_valid_pk(pk))
        return usage("issue", "--product '%s': 1..64 characters of [A-Za-z0-9_-]", pk);
    if (dn != NULL && !id2v_valid_dn(dn))
        return usage("issue", "--name '%s': 1..64 characters of [A-Za-z0-9_-.@:]", dn);
    if (dn != NULL && count != 1)
        return usage("issue", "--name only with --count 1");
    int rc;
    if (out_dir != NULL && (rc = check_out_dir("issue", out_dir)) != EXIT_OK)
        return rc;
    id2_registry_t *reg = NULL;
    if ((rc = open_registry(g, "issue", 0, &reg)) != EXIT_OK)
        return rc;
    id2v_key_t *key = calloc(1, sizeof *key);
    if (key == NULL) {
        id2_registry_close(reg);
        return error("issue", EXIT_RUNTIME, "out of memory");
    }
    if (json)
        printf("[");
    for (long n = 0; n < count && rc == EXIT_OK; n++) {
        char err[ID2REG_ERR_LEN], why[4200];
        id2_device_t d;
        int st = id2_registry_issue(reg, pk, dn, type, &d, out_dir != NULL ? key : NULL, err, sizeof err);
        if (st != ID2V_OK) {
            rc = error("issue", st == ID2V_ERR_BAD_PARAM ? EXIT_REFUSED : EXIT_RUNTIME, "%s", err);
            break;
        }
        if (out_dir != NULL && !write_device_files(out_dir, &d, key, why, sizeof why)) {
            /* undo: the device must not exist without its files */
            id2_registry_delete_name(reg, d.pk, d.dn, err, sizeof err);
            rc = error("issue", EXIT_RUNTIME, "%s (device %s/%s not issued)", why, d.pk, d.dn);
        }
        id2v_key_wipe(key);
        if (rc != EXIT_OK)
            break;
        if (json && n > 0)
            printf(",");
        print_device(&d, json, out_dir);
        fflush(stdout);
    }
    if (json)
        printf("]\n");
    free(key);
    id2_registry_close(reg);
    return rc;
}

typedef struct {
    int json;
    int n;
} list_ctx_t;

static int list_one(void *ctx, const id2_device_t *d)
{
    list_ctx_t *c = ctx;
    if (c->json && c->n > 0)
        printf(",");
    print_device(d, c->json, NULL);
    c->n++;
    return 0;
}

static int cmd_list(const globals_t *g, int argc, char **argv)
{
    if (want_help(argc, argv, list_help))
        return EXIT_OK;
    list_ctx_t c = {0, 0};
    if (argc > 1 && strcmp(argv[1], "--json") == 0)
        c.json = 1;
    int rc = no_more_args("list", argc, argv, 1 + c.json);
    id2_registry_t *reg = NULL;
    if (rc != EXIT_OK || (rc = open_registry(g, "list", 0, &reg)) != EXIT_OK)
        return rc;
    char err[ID2REG_ERR_LEN];
    if (c.json)
        printf("[");
    int st = id2_registry_list(reg, list_one, &c, err, sizeof err);
    if (c.json)
        printf("]\n");
    id2_registry_close(reg);
    return st == ID2V_OK ? EXIT_OK : error("list", EXIT_RUNTIME, "%s", err);
}

/* Commands taking one device reference: show, revoke, export. */
static int cmd_device(const globals_t *g, const char *cmd, const char *help, int argc, char **argv)
{
    if (want_help(argc, argv, help))
        return EXIT_OK;
    const char *ref = NULL, *out_dir = NULL, *v;
    int json = 0, miss;
    int is_show = strcmp(cmd, "show") == 0, is_export = strcmp(cmd, "export") == 0;
    for (int i = 1; i < argc; i++) {
        if (is_show && strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (is_export && ((v = opt_value(argc, argv, &i, "--out-dir", &miss)) != NULL || miss)) {
            if (miss)
                return usage(cmd, "--out-dir needs a directory");
            out_dir = v;
        } else if (argv[i][0] != '-' && ref == NULL) {
            ref = argv[i];
        } else {
            return no_more_args(cmd, argc, argv, i);
        }
    }
    if (ref == NULL)
        return usage(cmd, "which device? give an ID2 or PK/DN");
    if (is_export && out_dir == NULL)
        return usage(cmd, "--out-dir DIR is required");
    int rc;
    if (is_export && (rc = check_out_dir(cmd, out_dir)) != EXIT_OK)
        return rc;
    id2_registry_t *reg = NULL;
    if ((rc = open_registry(g, cmd, 0, &reg)) != EXIT_OK)
        return rc;
    id2_device_t d;
    id2v_key_t *key = is_export ? calloc(1, sizeof *key) : NULL;
    if (is_export && key == NULL)
        rc = error(cmd, EXIT_RUNTIME, "out of memory");
    else
        rc = lookup(reg, cmd, ref, &d, key);
    if (rc == EXIT_OK && is_show) {
        if (json) {
            print_device(&d, 1, NULL);
            printf("\n");
        } else {
            char t[32];
            iso_time(d.created, t);
            printf("id2: %s\npk: %s\ndn: %s\ntype: %s\ncreated: %s\n", d.id2[0] ? d.id2 : "-", d.pk, d.dn,
                   type_name(d.type), t);
            iso_time(d.revoked_at, t);
            printf("revoked: %s\n", d.revoked ? t : "no");
        }
    } else if (rc == EXIT_OK && is_export) {
        char why[4200];
        if (!write_device_files(out_dir, &d, key, why, sizeof why))
            rc = error(cmd, EXIT_RUNTIME, "%s", why);
        else
            printf("%s/%s\n", out_dir, d.dn);
    } else if (rc == EXIT_OK) {
        char err[ID2REG_ERR_LEN];
        int st = d.id2[0] ? id2_registry_revoke(reg, d.id2, err, sizeof err)
                          : id2_registry_revoke_name(reg, d.pk, d.dn, err, sizeof err);
        if (st != ID2V_OK)
            rc = error(cmd, status_exit(st) == EXIT_REFUSED ? EXIT_REFUSED : EXIT_RUNTIME, "%s", err);
        else
            printf("revoked %s/%s%s\n", d.pk, d.dn, d.revoked ? " (already revoked)" : "");
    }
    id2v_key_wipe(key);
    free(key);
    id2_registry_close(reg);
    return rc;
}

/* Whole small file into buf (NUL-terminated); returns its length or -1 (why set). */
static long read_small(const char *path, char *buf, size_t size, char *why, size_t why_size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(why, why_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t n = fread(buf, 1, size - 1, f);
    int big = n == size - 1 && fgetc(f) != EOF;
    fclose(f);
    if (big) {
        snprintf(why, why_size, "%s: file too large", path);
        return -1;
    }
    buf[n] = '\0';
    return (long)n;
}

static int load_key(const char *aes, const char *rsa, const char *secret, id2v_key_t *k, char *why, size_t why_size)
{
    char buf[8192];
    const char *path = aes != NULL ? aes : rsa != NULL ? rsa : secret;
    long n = read_small(path, buf, sizeof buf, why, why_size);
    int ok = n >= 0;
    if (ok && aes != NULL) {
        k->type = ID2V_KEY_AES;
        size_t digits = 0;
        for (long i = 0; ok && i < n; i++) {
            char c = buf[i];
            int v = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
            if (v < 0 && (c == ' ' || c == '\n' || c == '\r' || c == '\t'))
                continue;
            if (v < 0 || digits >= 32)
                ok = 0;
            else
                k->key[digits / 2] = (uint8_t)(digits % 2 ? (k->key[digits / 2] | v) : v << 4);
            digits++;
        }
        ok = ok && digits == 32;
        k->key_len = 16;
        if (!ok)
            snprintf(why, why_size, "%s: expected an AES-128 key as 32 hex digits", path);
    } else if (ok && rsa != NULL) {
        mbedtls_pk_context pk;
        unsigned char der[ID2V_MAX_KEY];
        mbedtls_pk_init(&pk);
        int len = 0;
        ok = mbedtls_pk_parse_key(&pk, (const unsigned char *)buf, (size_t)n + 1, NULL, 0) == 0 ||
             mbedtls_pk_parse_key(&pk, (const unsigned char *)buf, (size_t)n, NULL, 0) == 0;
        ok = ok && mbedtls_pk_get_type(&pk) == MBEDTLS_PK_RSA && mbedtls_pk_get_bitlen(&pk) == 1024 &&
             (len = mbedtls_pk_write_key_der(&pk, der, sizeof der)) > 0;
        if (ok) {
            k->type = ID2V_KEY_RSA;
            memcpy(k->key, der + sizeof der - (size_t)len, (size_t)len);
            k->key_len = (size_t)len;
        } else {
            snprintf(why, why_size, "%s: expected an RSA-1024 private key (PEM or DER)", path);
        }
        mbedtls_pk_free(&pk);
        mbedtls_platform_zeroize(der, sizeof der);
    } else if (ok) {
        if (n > 0 && buf[n - 1] == '\n')
            buf[--n] = '\0';
        ok = n > 0 && n <= 256 && strlen(buf) == (size_t)n;
        for (long i = 0; ok && i < n; i++)
            ok = buf[i] > ' ' && buf[i] < 0x7F;
        if (ok) {
            k->type = ID2V_KEY_SECRET;
            memcpy(k->key, buf, (size_t)n);
            k->key_len = (size_t)n;
        } else {
            snprintf(why, why_size, "%s: expected a device secret of 1..256 printable characters", path);
        }
    }
    mbedtls_platform_zeroize(buf, sizeof buf);
    return ok;
}

static int cmd_import(const globals_t *g, int argc, char **argv)
{
    if (want_help(argc, argv, import_help))
        return EXIT_OK;
    const char *pk = NULL, *dn = NULL, *id2 = NULL, *aes = NULL, *rsa = NULL, *secret = NULL, *v;
    int miss;
    for (int i = 1; i < argc; i++) {
        const char **slot = NULL;
        static const char *const names[] = {"--product", "--name", "--id2", "--aes-key", "--rsa-key", "--secret"};
        const char **slots[] = {&pk, &dn, &id2, &aes, &rsa, &secret};
        for (size_t j = 0; j < sizeof names / sizeof names[0] && slot == NULL; j++) {
            if ((v = opt_value(argc, argv, &i, names[j], &miss)) != NULL || miss) {
                if (miss)
                    return usage("import", "%s needs a value", names[j]);
                slot = slots[j];
                *slot = v;
            }
        }
        if (slot == NULL)
            return no_more_args("import", argc, argv, i);
    }
    if (pk == NULL || !id2v_valid_pk(pk))
        return usage("import", "--product PK is required (1..64 of [A-Za-z0-9_-])");
    if (dn != NULL && !id2v_valid_dn(dn))
        return usage("import", "--name '%s': 1..64 characters of [A-Za-z0-9_-.@:]", dn);
    if ((aes != NULL) + (rsa != NULL) + (secret != NULL) != 1)
        return usage("import", "give exactly one of --aes-key, --rsa-key and --secret");
    if (secret != NULL && (id2 != NULL || dn == NULL))
        return usage("import", "a secret device takes --name and no --id2");
    if (secret == NULL && (id2 == NULL || !id2v_valid_id2(id2)))
        return usage("import", "--id2 ID2 (24 upper-case hex characters) is required");
    id2v_key_t *key = calloc(1, sizeof *key);
    char why[4200];
    if (key == NULL)
        return error("import", EXIT_RUNTIME, "out of memory");
    int rc = EXIT_OK;
    if (!load_key(aes, rsa, secret, key, why, sizeof why))
        rc = error("import", EXIT_RUNTIME, "%s", why);
    id2_registry_t *reg = NULL;
    if (rc == EXIT_OK)
        rc = open_registry(g, "import", 0, &reg);
    if (rc == EXIT_OK) {
        char err[ID2REG_ERR_LEN];
        id2_device_t d;
        snprintf(key->id2, sizeof key->id2, "%s", id2 != NULL ? id2 : "");
        int st = id2_registry_import(reg, pk, dn, key, &d, err, sizeof err);
        if (st != ID2V_OK)
            rc = error("import", st == ID2V_ERR_BAD_PARAM ? EXIT_REFUSED : EXIT_RUNTIME, "%s", err);
        else
            print_device(&d, 0, NULL);
        id2_registry_close(reg);
    }
    id2v_key_wipe(key);
    free(key);
    return rc;
}

static uint64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return 0;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return 0;
    *out = v;
    return 1;
}

static int cmd_verify(const globals_t *g, int argc, char **argv)
{
    if (want_help(argc, argv, verify_help))
        return EXIT_OK;
    const char *code = NULL, *id2 = NULL, *name = NULL, *challenge = NULL, *extra = NULL, *v;
    uint64_t window = DEFAULT_WINDOW, now = 0;
    int have_now = 0, miss;
    for (int i = 1; i < argc; i++) {
        if ((v = opt_value(argc, argv, &i, "--id2", &miss)) != NULL || miss) {
            if (miss)
                return usage("verify", "--id2 needs an ID2");
            id2 = v;
        } else if ((v = opt_value(argc, argv, &i, "--name", &miss)) != NULL || miss) {
            if (miss)
                return usage("verify", "--name needs PK/DN");
            name = v;
        } else if ((v = opt_value(argc, argv, &i, "--challenge", &miss)) != NULL || miss) {
            if (miss)
                return usage("verify", "--challenge needs the server random");
            challenge = v;
        } else if ((v = opt_value(argc, argv, &i, "--extra", &miss)) != NULL || miss) {
            if (miss)
                return usage("verify", "--extra needs a value");
            extra = v;
        } else if ((v = opt_value(argc, argv, &i, "--window", &miss)) != NULL || miss) {
            if (miss || !parse_u64(v, 86400u * 366u, &window))
                return usage("verify", "--window needs seconds (0..31622400)");
        } else if ((v = opt_value(argc, argv, &i, "--now", &miss)) != NULL || miss) {
            if (miss || !parse_u64(v, UINT64_MAX, &now))
                return usage("verify", "--now needs milliseconds since 1970");
            have_now = 1;
        } else if (argv[i][0] != '-' && code == NULL) {
            code = argv[i];
        } else {
            return no_more_args("verify", argc, argv, i);
        }
    }
    if (code == NULL)
        return usage("verify", "give the auth code to check");
    if ((id2 == NULL) == (name == NULL))
        return usage("verify", "give exactly one of --id2 ID2 and --name PK/DN");
    if (name != NULL && strchr(name, '/') == NULL)
        return usage("verify", "--name needs PK/DN");
    if (extra != NULL && strlen(extra) > ID2V_MAX_EXTRA)
        return usage("verify", "--extra is longer than %d bytes", ID2V_MAX_EXTRA);
    id2v_auth_code_t ac;
    int st = id2v_parse_auth_code(code, strlen(code), &ac);
    if (st != ID2V_OK)
        return error("verify", EXIT_REFUSED, "refused: malformed auth code");
    if (ac.type >= 2 && extra == NULL)
        return usage("verify", "a type %d code carries an extra: give --extra", ac.type);
    int rc;
    id2_registry_t *reg = NULL;
    if ((rc = open_registry(g, "verify", 0, &reg)) != EXIT_OK)
        return rc;
    id2_device_t d;
    id2v_key_t *key = calloc(1, sizeof *key);
    if (key == NULL)
        rc = error("verify", EXIT_RUNTIME, "out of memory");
    else
        rc = lookup(reg, "verify", id2 != NULL ? id2 : name, &d, key);
    id2_registry_close(reg);
    if (rc == EXIT_OK && d.revoked)
        rc = error("verify", EXIT_REFUSED, "refused: device %s/%s is revoked", d.pk, d.dn);
    else if (rc == EXIT_OK && d.type == ID2V_KEY_SECRET)
        rc = error("verify", EXIT_REFUSED, "refused: device %s/%s has no ID2 key (secret device)", d.pk, d.dn);
    if (rc == EXIT_OK) {
        st = id2v_verify_auth_code(key, code, strlen(code), ID2V_TYPES_ANY, challenge, (const uint8_t *)extra,
                                   extra != NULL ? strlen(extra) : 0, &ac);
        if (st == ID2V_OK && (ac.type == 1 || ac.type == 3))
            st = id2v_check_timestamp(ac.server_random, have_now ? now : now_ms(), (uint32_t)window);
        if (st != ID2V_OK) {
            rc = error("verify", status_exit(st), "refused: %s", id2v_strerror(st));
        } else {
            printf("valid: type %d, device random %s, %s %s%s, device %s (%s/%s, %s)\n", ac.type, ac.device_random,
                   ac.type == 1 || ac.type == 3 ? "timestamp" : "challenge", ac.server_random,
                   (ac.type == 0 || ac.type == 2) && challenge == NULL ? " (not checked)" : "", d.id2, d.pk, d.dn,
                   type_name(d.type));
        }
    }
    id2v_key_wipe(key);
    free(key);
    return rc;
}

int main(int argc, char **argv)
{
    globals_t g = {getenv("ID2_REGISTRY"), getenv("ID2_MASTER_KEY")};
    int i = 1, miss;
    const char *v;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(main_help, stdout);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("id2-kdc %s\n", KDC_VERSION);
            return EXIT_OK;
        } else if ((v = opt_value(argc, argv, &i, "--registry", &miss)) != NULL || miss) {
            if (miss)
                return usage(NULL, "--registry needs a file name");
            g.registry = v;
        } else if ((v = opt_value(argc, argv, &i, "--master-key", &miss)) != NULL || miss) {
            if (miss)
                return usage(NULL, "--master-key needs a file name");
            g.master = v;
        } else {
            return usage(NULL, "unknown option '%s'", argv[i]);
        }
    }
    if (i >= argc)
        return usage(NULL, "no command given");
    const char *cmd = argv[i];
    int sub_argc = argc - i;
    char **sub_argv = argv + i;
    if (strcmp(cmd, "init") == 0)
        return cmd_init(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "issue") == 0)
        return cmd_issue(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "list") == 0)
        return cmd_list(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "show") == 0)
        return cmd_device(&g, "show", show_help, sub_argc, sub_argv);
    if (strcmp(cmd, "revoke") == 0)
        return cmd_device(&g, "revoke", revoke_help, sub_argc, sub_argv);
    if (strcmp(cmd, "export") == 0)
        return cmd_device(&g, "export", export_help, sub_argc, sub_argv);
    if (strcmp(cmd, "import") == 0)
        return cmd_import(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "verify") == 0)
        return cmd_verify(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(&g, sub_argc, sub_argv);
    return usage(NULL, "unknown command '%s'", cmd);
}
