/* cache.c: the compilation cache (hdtrt_cache.h; docs/runtime.md,
 * "Compilation cache").
 *
 * Design. A load hashes everything that decides the bytes of the shared
 * object (the key, cache_key_of), then looks for <dir>/<key>.so. A hit is
 * one dlopen. A miss compiles in a private temporary folder made by mkdtemp
 * inside the cache folder and renames the result to <dir>/<key>.so: rename
 * is atomic within one file system, so a reader sees either no object or a
 * whole one, and two processes compiling the same key each rename a whole
 * object over the other's (the same bytes, as far as the key can tell).
 * Nothing is locked: a duplicated compile is cheaper than a stale lock.
 *
 * The compiler runs through posix_spawn with an argument vector, never a
 * shell, so no file name or flag is ever re-parsed; its stdout and stderr
 * go to a file in the temporary folder, read back into the error message
 * when it fails (a file rather than a pipe: nothing can block on a full
 * pipe while we wait for the exit).
 *
 * Objects are opened with RTLD_NODELETE: a host kernel compiled with
 * -fopenmp leaves libgomp's thread pool parked in code that a dlclose could
 * unmap under it. So a module's code lives until the process exits, and
 * destroying a cache only drops the references. */
#define _POSIX_C_SOURCE 200809L
#include "hdtrt_cache.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hdtrt.h"
#include "sha256.h"

#ifndef HDT_VERSION
#error "HDT_VERSION must be defined by the build (CMakeLists.txt)"
#endif
#ifndef HDTRT_INCLUDE_DIR
#error "HDTRT_INCLUDE_DIR must be defined by the build (CMakeLists.txt)"
#endif

extern char **environ;

/* Bumped when the key's layout or the default command lines change, so that
 * objects built under the old rules are never taken for new ones. */
#define CACHE_KEY_SCHEMA "hdt-cache-1"
/* Compiler output kept in an error message; a failing compile of generated
 * code can print megabytes, and the first errors are the useful ones. */
enum { CACHE_MAX_LOG = 16384, CACHE_MAX_ARGS = 16, CACHE_MAX_COMPILERS = 4 };

struct hdtrt_cache_module {
  void *handle;
  char *path;
  struct hdtrt_cache_module *next;
};

struct hdtrt_cache {
  char *dir;
  char *error; /* NULL: "" */
  int verbose;
  hdtrt_cache_stats stats;
  hdtrt_cache_module *modules;
  /* `--version` output hashed per compiler path: one process per compiler
   * and cache, not per load. */
  struct {
    char *path;
    char hash[65];
  } versions[CACHE_MAX_COMPILERS];
  int nversions;
};

/* A command line: argv[0] the compiler's path, then the flags; the output
 * and the source come last and are not part of the key. */
typedef struct cache_command {
  char *compiler; /* resolved path, owned */
  const char *argv[CACHE_MAX_ARGS + 4];
  int nfixed; /* argv entries that enter the key */
  char arch[64];
  char include[4096];
} cache_command;

static hdtrt_cache_status cache_fail(hdtrt_cache *c, hdtrt_cache_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  free(c->error);
  c->error = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (c->error) {
    va_start(ap, fmt);
    vsnprintf(c->error, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  return s;
}

static char *cache_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  return p ? memcpy(p, s, n) : NULL;
}

static char *cache_join(const char *a, const char *b) {
  size_t na = strlen(a), nb = strlen(b);
  char *p = malloc(na + nb + 2);
  if (!p)
    return NULL;
  memcpy(p, a, na);
  p[na] = '/';
  memcpy(p + na + 1, b, nb + 1);
  return p;
}

/* mkdir -p: every missing component of path, then a check that it is a
 * folder we may write. errno says why it is not. */
static int cache_mkdirs(char *path) {
  for (char *p = path + 1;; p++) {
    if (*p != '/' && *p != '\0')
      continue;
    char saved = *p;
    *p = '\0';
    int r = mkdir(path, 0777);
    int e = errno;
    *p = saved;
    if (r != 0 && e != EEXIST) {
      errno = e;
      return -1;
    }
    if (saved == '\0')
      break;
  }
  struct stat st;
  if (stat(path, &st) != 0)
    return -1;
  if (!S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    return -1;
  }
  return access(path, W_OK | X_OK);
}

hdtrt_cache_status hdtrt_cache_create(hdtrt_cache **out, const char *dir) {
  if (!out)
    return HDTRT_CACHE_ERROR_INVALID;
  hdtrt_cache *c = calloc(1, sizeof *c);
  *out = c;
  if (!c)
    return HDTRT_CACHE_ERROR_NOMEM;
  const char *verbose = getenv("HDT_CACHE_VERBOSE");
  c->verbose = verbose && strcmp(verbose, "1") == 0;
  /* The folder: the argument, then the variables in the documented order;
   * an empty variable counts as unset, as XDG says for XDG_CACHE_HOME. */
  const char *env;
  if (dir && *dir)
    c->dir = cache_strdup(dir);
  else if ((env = getenv("HDT_CACHE_DIR")) && *env)
    c->dir = cache_strdup(env);
  else if ((env = getenv("XDG_CACHE_HOME")) && *env)
    c->dir = cache_join(env, "hdt");
  else if ((env = getenv("HOME")) && *env)
    c->dir = cache_join(env, ".cache/hdt");
  else
    return cache_fail(c, HDTRT_CACHE_ERROR_DIR,
                      "no cache folder: set HDT_CACHE_DIR (neither XDG_CACHE_HOME nor HOME is set)");
  if (!c->dir)
    return cache_fail(c, HDTRT_CACHE_ERROR_NOMEM, "out of memory");
  if (c->dir[0] != '/') {
    /* Relative folders would move with the working directory between loads. */
    char cwd[4096];
    char *abs = getcwd(cwd, sizeof cwd) ? cache_join(cwd, c->dir) : NULL;
    if (!abs)
      return cache_fail(c, HDTRT_CACHE_ERROR_DIR, "cache folder '%s': cannot make it absolute: %s",
                        c->dir, strerror(errno));
    free(c->dir);
    c->dir = abs;
  }
  if (cache_mkdirs(c->dir) != 0)
    return cache_fail(c, HDTRT_CACHE_ERROR_DIR, "cache folder '%s' cannot be used: %s", c->dir,
                      strerror(errno));
  return HDTRT_CACHE_OK;
}

void hdtrt_cache_destroy(hdtrt_cache *c) {
  if (!c)
    return;
  for (hdtrt_cache_module *m = c->modules, *next; m; m = next) {
    next = m->next;
    dlclose(m->handle); /* RTLD_NODELETE: drops the reference only */
    free(m->path);
    free(m);
  }
  for (int i = 0; i < c->nversions; i++)
    free(c->versions[i].path);
  free(c->dir);
  free(c->error);
  free(c);
}

const char *hdtrt_cache_last_error(const hdtrt_cache *c) { return c && c->error ? c->error : ""; }
const char *hdtrt_cache_dir(const hdtrt_cache *c) { return c ? c->dir : NULL; }
const char *hdtrt_cache_module_path(const hdtrt_cache_module *m) { return m ? m->path : NULL; }

void hdtrt_cache_get_stats(const hdtrt_cache *c, hdtrt_cache_stats *out) {
  if (c && out)
    *out = c->stats;
}

/* Whole file into a NUL-terminated buffer, at most max bytes of it. */
static char *cache_read_file(const char *path, size_t max, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *buf = malloc(max + 1);
  size_t n = buf ? fread(buf, 1, max, f) : 0;
  fclose(f);
  if (buf)
    buf[n] = '\0';
  if (len)
    *len = n;
  return buf;
}

static int cache_write_file(const char *path, const char *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  size_t n = fwrite(data, 1, len, f);
  int closed = fclose(f);
  return n == len && closed == 0 ? 0 : -1;
}

static double cache_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Runs argv with stdout and stderr into log, stdin from /dev/null. Returns
 * 0 and the wait status in *status, or an errno when it could not start.
 * With a label and stderr a terminal, a run past a second is announced
 * ("hdt: LABEL...") and its end timed ("done (3.2 s)"). */
static int cache_spawn(const char *const *argv, const char *log, const char *label, int *status) {
  posix_spawn_file_actions_t fa;
  int e = posix_spawn_file_actions_init(&fa);
  if (e)
    return e;
  e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (!e)
    e = posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (!e)
    e = posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid;
  if (!e)
    e = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (e)
    return e;
  int tty = label && isatty(STDERR_FILENO);
  double start = cache_now();
  int announced = 0;
  for (;;) {
    pid_t r = waitpid(pid, status, tty ? WNOHANG : 0);
    if (r == pid)
      break;
    if (r < 0 && errno != EINTR)
      return errno;
    if (r == 0) { /* still running: only when polling for the progress line */
      if (!announced && cache_now() - start > 1.0) {
        fprintf(stderr, "hdt: %s... ", label);
        fflush(stderr);
        announced = 1;
      }
      struct timespec ms20 = {0, 20 * 1000 * 1000};
      nanosleep(&ms20, NULL);
    }
  }
  if (announced)
    fprintf(stderr, "done (%.1f s)\n", cache_now() - start);
  return 0;
}

/* The path of program name: itself when it holds a '/', else the first
 * executable of that name along $PATH. The path, not the name, enters the
 * key, so that two compilers both called cc are told apart. */
static char *cache_find_program(const char *name) {
  if (strchr(name, '/'))
    return access(name, X_OK) == 0 ? cache_strdup(name) : NULL;
  const char *path = getenv("PATH");
  if (!path || !*path)
    path = "/usr/local/bin:/usr/bin:/bin";
  for (const char *p = path;;) {
    const char *end = strchr(p, ':');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    char *full = malloc(n + strlen(name) + 3);
    if (!full)
      return NULL;
    snprintf(full, n + strlen(name) + 3, "%.*s/%s", (int)n, n ? p : ".", name);
    if (access(full, X_OK) == 0)
      return full;
    free(full);
    if (!end)
      return NULL;
    p = end + 1;
  }
}

/* A folder of our own in the cache folder for one compile or one version
 * probe, so that concurrent processes never share a file name. */
static char *cache_tmpdir(hdtrt_cache *c) {
  char *t = cache_join(c->dir, "tmp.XXXXXX");
  if (t && !mkdtemp(t)) {
    cache_fail(c, HDTRT_CACHE_ERROR_DIR, "cannot create a temporary folder in '%s': %s", c->dir,
               strerror(errno));
    free(t);
    return NULL;
  }
  if (!t)
    cache_fail(c, HDTRT_CACHE_ERROR_NOMEM, "out of memory");
  return t;
}

/* Removes a temporary folder and whatever the compiler left in it (only
 * files: nvcc and cc write none of their own there). */
static void cache_rmtmp(const char *tmp) {
  static const char *const names[] = {"log", "kernels.c", "kernels.cu", "kernels.so"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    char *p = cache_join(tmp, names[i]);
    if (p)
      unlink(p);
    free(p);
  }
  rmdir(tmp);
}

/* The SHA-256 of `compiler --version`, computed once per cache. */
static hdtrt_cache_status cache_compiler_version(hdtrt_cache *c, const char *compiler,
                                                 const char **hash) {
  for (int i = 0; i < c->nversions; i++)
    if (strcmp(c->versions[i].path, compiler) == 0) {
      *hash = c->versions[i].hash;
      return HDTRT_CACHE_OK;
    }
  char *tmp = cache_tmpdir(c);
  if (!tmp)
    return HDTRT_CACHE_ERROR_DIR;
  char *log = cache_join(tmp, "log");
  hdtrt_cache_status s = HDTRT_CACHE_OK;
  const char *argv[] = {compiler, "--version", NULL};
  int status = 0, e = log ? cache_spawn(argv, log, NULL, &status) : ENOMEM;
  size_t len = 0;
  char *text = e ? NULL : cache_read_file(log, 1 << 16, &len);
  if (e)
    s = cache_fail(c, HDTRT_CACHE_ERROR_COMPILER, "cannot run '%s': %s", compiler, strerror(e));
  else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    s = cache_fail(c, HDTRT_CACHE_ERROR_COMPILER, "'%s --version' failed: %s", compiler,
                   text ? text : "");
  else if (!text)
    s = cache_fail(c, HDTRT_CACHE_ERROR_COMPILER, "cannot read the output of '%s --version'",
                   compiler);
  if (s == HDTRT_CACHE_OK) {
    /* A small table: past its size the first entry is replaced. */
    int i = c->nversions < CACHE_MAX_COMPILERS ? c->nversions : 0;
    char *copy = cache_strdup(compiler);
    if (!copy) {
      s = cache_fail(c, HDTRT_CACHE_ERROR_NOMEM, "out of memory");
    } else {
      if (i == c->nversions)
        c->nversions++;
      else
        free(c->versions[i].path);
      c->versions[i].path = copy;
      hdtrt_sha256_hex(text, len, c->versions[i].hash);
      *hash = c->versions[i].hash;
    }
  }
  free(text);
  free(log);
  cache_rmtmp(tmp);
  free(tmp);
  return s;
}

/* The command line of a compile, without its output and source. */
static hdtrt_cache_status cache_command_of(hdtrt_cache *c, hdtrt_cache_target target,
                                           const hdtrt_cache_options *o, cache_command *cmd) {
  memset(cmd, 0, sizeof *cmd);
  if (o->nflags < 0 || o->nflags > CACHE_MAX_ARGS - 8 || (o->nflags && !o->flags))
    return cache_fail(c, HDTRT_CACHE_ERROR_INVALID, "%d extra flags: at most %d", o->nflags,
                      CACHE_MAX_ARGS - 8);
  const char *name = o->compiler;
  if (!name || !*name)
    name = getenv(target == HDTRT_CACHE_HOST ? "CC" : "NVCC");
  if (!name || !*name)
    name = target == HDTRT_CACHE_HOST ? "cc" : "nvcc";
  cmd->compiler = cache_find_program(name);
  if (!cmd->compiler)
    return cache_fail(c, HDTRT_CACHE_ERROR_COMPILER, "compiler '%s' not found%s", name,
                      strchr(name, '/') ? "" : " in PATH");
  const char *inc = o->include_dir ? o->include_dir : HDTRT_INCLUDE_DIR;
  snprintf(cmd->include, sizeof cmd->include, "-I%s", inc);
  int n = 0;
  cmd->argv[n++] = cmd->compiler;
  if (target == HDTRT_CACHE_HOST) {
    /* -fopenmp: hdt_host_launch runs the grid's blocks on every core. */
    static const char *const host[] = {"-std=c11", "-O2", "-fPIC", "-shared", "-fopenmp"};
    for (size_t i = 0; i < sizeof host / sizeof *host; i++)
      cmd->argv[n++] = host[i];
  } else {
    static const char *const cuda[] = {"-shared", "-Xcompiler", "-fPIC", "-O3"};
    for (size_t i = 0; i < sizeof cuda / sizeof *cuda; i++)
      cmd->argv[n++] = cuda[i];
    snprintf(cmd->arch, sizeof cmd->arch, "-arch=%s", o->cuda_arch ? o->cuda_arch : "sm_80");
    cmd->argv[n++] = cmd->arch;
  }
  cmd->argv[n++] = cmd->include;
  for (int i = 0; i < o->nflags; i++) {
    if (!o->flags[i])
      return cache_fail(c, HDTRT_CACHE_ERROR_INVALID, "flag %d is NULL", i);
    cmd->argv[n++] = o->flags[i];
  }
  cmd->nfixed = n;
  return HDTRT_CACHE_OK;
}

/* One field of the key: its length first, so that no two different lists
 * of fields hash the same bytes ("ab","c" against "a","bc"). */
static void cache_hash_field(hdtrt_sha256 *h, const void *data, size_t len) {
  unsigned char n[8];
  for (int i = 0; i < 8; i++)
    n[i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
  hdtrt_sha256_update(h, n, 8);
  hdtrt_sha256_update(h, data, len);
}

static void cache_hash_string(hdtrt_sha256 *h, const char *s) { cache_hash_field(h, s, strlen(s)); }

static hdtrt_cache_status cache_key_of(hdtrt_cache *c, const char *source, size_t len,
                                       hdtrt_cache_target target, const hdtrt_cache_options *o,
                                       cache_command *cmd, char key[65]) {
  const char *version = NULL;
  hdtrt_cache_status s = cache_compiler_version(c, cmd->compiler, &version);
  if (s != HDTRT_CACHE_OK)
    return s;
  hdtrt_sha256 h;
  hdtrt_sha256_init(&h);
  cache_hash_string(&h, CACHE_KEY_SCHEMA);
  cache_hash_string(&h, HDT_VERSION);
  /* The library's own idea of its version too; calling it also links
   * host_memory.c, whose hdtrt_host_alloc host modules import, into every
   * program that uses the cache. */
  cache_hash_string(&h, hdtrt_version());
  cache_hash_string(&h, target == HDTRT_CACHE_HOST ? "host" : "cuda");
  cache_hash_string(&h, version);
  for (int i = 0; i < cmd->nfixed; i++) /* argv[0], the compiler's path, included */
    cache_hash_string(&h, cmd->argv[i]);
  /* The runtime headers the generated file includes: a change to them
   * (between releases, or in a development tree) changes the object. */
  static const char *const host_headers[] = {"hdt_host.h", "hdt_errors.h", "hdtrt.h"};
  static const char *const cuda_headers[] = {"hdt_cuda.h", "hdt_errors.h"};
  const char *const *headers = target == HDTRT_CACHE_HOST ? host_headers : cuda_headers;
  size_t nheaders = target == HDTRT_CACHE_HOST ? 3 : 2;
  const char *inc = o->include_dir ? o->include_dir : HDTRT_INCLUDE_DIR;
  for (size_t i = 0; i < nheaders; i++) {
    char *p = cache_join(inc, headers[i]);
    size_t n = 0;
    char *text = p ? cache_read_file(p, (size_t)1 << 22, &n) : NULL;
    cache_hash_string(&h, headers[i]);
    if (text)
      cache_hash_field(&h, text, n);
    else
      cache_hash_string(&h, "<missing>"); /* the compiler will say more */
    free(text);
    free(p);
  }
  cache_hash_field(&h, source, len);
  unsigned char digest[32];
  hdtrt_sha256_final(&h, digest);
  hdtrt_sha256_to_hex(digest, key);
  return HDTRT_CACHE_OK;
}

static const hdtrt_cache_options cache_defaults;

static hdtrt_cache_status cache_check_args(hdtrt_cache *c, const char *source,
                                           hdtrt_cache_target target) {
  if (!c->dir)
    return cache_fail(c, HDTRT_CACHE_ERROR_INVALID, "the cache was not created");
  if (!source)
    return cache_fail(c, HDTRT_CACHE_ERROR_INVALID, "no source");
  if (target != HDTRT_CACHE_HOST && target != HDTRT_CACHE_CUDA)
    return cache_fail(c, HDTRT_CACHE_ERROR_INVALID, "unknown target %d", (int)target);
  return HDTRT_CACHE_OK;
}

hdtrt_cache_status hdtrt_cache_key(hdtrt_cache *c, const char *source, size_t len,
                                   hdtrt_cache_target target, const hdtrt_cache_options *options,
                                   char key[65]) {
  if (!c || !key)
    return HDTRT_CACHE_ERROR_INVALID;
  hdtrt_cache_status s = cache_check_args(c, source, target);
  if (s != HDTRT_CACHE_OK)
    return s;
  const hdtrt_cache_options *o = options ? options : &cache_defaults;
  cache_command cmd;
  s = cache_command_of(c, target, o, &cmd);
  if (s == HDTRT_CACHE_OK)
    s = cache_key_of(c, source, len, target, o, &cmd, key);
  free(cmd.compiler);
  return s;
}

/* Compiles source into tmp, then renames the object to so_path (and the
 * source next to it, for whoever debugs a kernel). */
static hdtrt_cache_status cache_compile(hdtrt_cache *c, const char *source, size_t len,
                                        hdtrt_cache_target target, const hdtrt_cache_options *o,
                                        cache_command *cmd, const char *key, const char *so_path) {
  const char *ext = target == HDTRT_CACHE_HOST ? ".c" : ".cu";
  char *tmp = cache_tmpdir(c);
  if (!tmp)
    return HDTRT_CACHE_ERROR_DIR;
  char src_name[16], kept_name[80], label[96];
  snprintf(src_name, sizeof src_name, "kernels%s", ext);
  snprintf(kept_name, sizeof kept_name, "%s%s", key, ext);
  char *src = cache_join(tmp, src_name), *obj = cache_join(tmp, "kernels.so");
  char *log = cache_join(tmp, "log"), *kept = cache_join(c->dir, kept_name);
  hdtrt_cache_status s = HDTRT_CACHE_OK;
  if (!src || !obj || !log || !kept) {
    s = cache_fail(c, HDTRT_CACHE_ERROR_NOMEM, "out of memory");
    goto out;
  }
  if (cache_write_file(src, source, len) != 0) {
    s = cache_fail(c, HDTRT_CACHE_ERROR_DIR, "cannot write '%s': %s", src, strerror(errno));
    goto out;
  }
  int n = cmd->nfixed;
  cmd->argv[n] = "-o";
  cmd->argv[n + 1] = obj;
  cmd->argv[n + 2] = src;
  cmd->argv[n + 3] = NULL;
  const char *tname = target == HDTRT_CACHE_HOST ? "host" : "cuda";
  if (o->nkernels > 0)
    snprintf(label, sizeof label, "compiling %d kernel%s for %s", o->nkernels,
             o->nkernels == 1 ? "" : "s", tname);
  else
    snprintf(label, sizeof label, "compiling kernels for %s", tname);
  if (c->verbose)
    fprintf(stderr, "hdt: cache miss %s: %s\n", key, label);
  int status = 0;
  int e = cache_spawn(cmd->argv, log, label, &status);
  if (e) {
    s = cache_fail(c, HDTRT_CACHE_ERROR_COMPILER, "cannot run '%s': %s", cmd->compiler,
                   strerror(e));
    goto out;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    size_t loglen = 0;
    char *text = cache_read_file(log, CACHE_MAX_LOG, &loglen);
    char how[48];
    if (WIFEXITED(status))
      snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(status));
    else
      snprintf(how, sizeof how, "signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    s = cache_fail(c, HDTRT_CACHE_ERROR_COMPILE, "%s failed (%s) on %s:\n%s%s", cmd->compiler, how,
                   kept, text ? text : "", loglen == CACHE_MAX_LOG ? "\n[output truncated]" : "");
    free(text);
    /* Kept for whoever reads the message; it has no object next to it. */
    rename(src, kept);
    goto out;
  }
  if (rename(obj, so_path) != 0) {
    s = cache_fail(c, HDTRT_CACHE_ERROR_DIR, "cannot move the object to '%s': %s", so_path,
                   strerror(errno));
    goto out;
  }
  rename(src, kept); /* best effort: only the object matters */
out:
  cache_rmtmp(tmp);
  free(tmp);
  free(src);
  free(obj);
  free(log);
  free(kept);
  return s;
}

#if UINTPTR_MAX > 0xffffffffu
typedef Elf64_Ehdr cache_ehdr;
typedef Elf64_Phdr cache_phdr;
#define CACHE_ELFCLASS ELFCLASS64
#else
typedef Elf32_Ehdr cache_ehdr;
typedef Elf32_Phdr cache_phdr;
#define CACHE_ELFCLASS ELFCLASS32
#endif

/* Whether the file at path holds everything its ELF headers promise. dlopen
 * maps segments by their offsets without comparing them with the file's
 * size, so a truncated object (a full disk, a killed copy) faults with
 * SIGBUS on first touch instead of failing: check before opening. The
 * section headers are written last, so a cut anywhere shows there. */
static int cache_object_complete(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return 0;
  struct stat st;
  cache_ehdr eh;
  int ok = fstat(fd, &st) == 0 && pread(fd, &eh, sizeof eh, 0) == (ssize_t)sizeof eh &&
           memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_ident[EI_CLASS] == CACHE_ELFCLASS &&
           eh.e_phentsize == sizeof(cache_phdr);
  uint64_t size = ok ? (uint64_t)st.st_size : 0;
  ok = ok && (uint64_t)eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(cache_phdr) <= size &&
       (uint64_t)eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize <= size;
  for (int i = 0; ok && i < eh.e_phnum; i++) {
    cache_phdr ph;
    ok = pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * sizeof ph)) ==
             (ssize_t)sizeof ph &&
         (uint64_t)ph.p_offset + (uint64_t)ph.p_filesz <= size;
  }
  close(fd);
  return ok;
}

static void *cache_dlopen(const char *path) {
  return dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
}

hdtrt_cache_status hdtrt_cache_load(hdtrt_cache *c, const char *source, size_t len,
                                    hdtrt_cache_target target, const hdtrt_cache_options *options,
                                    hdtrt_cache_module **out, int *hit) {
  if (!c || !out)
    return HDTRT_CACHE_ERROR_INVALID;
  *out = NULL;
  if (hit)
    *hit = 0;
  hdtrt_cache_status s = cache_check_args(c, source, target);
  if (s != HDTRT_CACHE_OK)
    return s;
  const hdtrt_cache_options *o = options ? options : &cache_defaults;
  cache_command cmd;
  char key[65], name[80];
  char *so_path = NULL;
  hdtrt_cache_module *m = NULL;
  void *handle = NULL;
  s = cache_command_of(c, target, o, &cmd);
  if (s == HDTRT_CACHE_OK)
    s = cache_key_of(c, source, len, target, o, &cmd, key);
  if (s != HDTRT_CACHE_OK)
    goto out;
  snprintf(name, sizeof name, "%s.so", key);
  so_path = cache_join(c->dir, name);
  m = calloc(1, sizeof *m);
  if (!so_path || !m) {
    s = cache_fail(c, HDTRT_CACHE_ERROR_NOMEM, "out of memory");
    goto out;
  }
  int corrupt = 0;
  if (access(so_path, F_OK) == 0) {
    handle = cache_object_complete(so_path) ? cache_dlopen(so_path) : NULL;
    if (handle) {
      c->stats.hits++;
      if (hit)
        *hit = 1;
      if (c->verbose)
        fprintf(stderr, "hdt: cache hit %s\n", so_path);
    } else {
      /* Truncated by a full disk, damaged, or not ours: build it again. */
      corrupt = 1;
      const char *why = dlerror(); /* NULL when the size check refused it */
      if (c->verbose)
        fprintf(stderr, "hdt: cache object %s is unusable (%s); compiling it again\n", so_path,
                why ? why : "truncated");
    }
  }
  if (!handle) {
    s = cache_compile(c, source, len, target, o, &cmd, key, so_path);
    if (s != HDTRT_CACHE_OK)
      goto out;
    handle = cache_dlopen(so_path);
    if (!handle) {
      const char *why = dlerror();
      s = cache_fail(c, HDTRT_CACHE_ERROR_LOAD, "cannot load '%s': %s", so_path,
                     why ? why : "dlopen failed");
      goto out;
    }
    c->stats.compiles++;
    c->stats.recompiles += corrupt;
  }
  m->handle = handle;
  m->path = so_path;
  so_path = NULL;
  m->next = c->modules;
  c->modules = m;
  *out = m;
  m = NULL;
out:
  free(m);
  free(so_path);
  free(cmd.compiler);
  return s;
}

hdtrt_cache_status hdtrt_cache_symbol(hdtrt_cache *c, hdtrt_cache_module *m, const char *name,
                                      void **out) {
  if (!c)
    return HDTRT_CACHE_ERROR_INVALID;
  if (!m || !name || !out)
    return cache_fail(c, HDTRT_CACHE_ERROR_INVALID, "hdtrt_cache_symbol: a NULL argument");
  dlerror(); /* a symbol's value may be NULL: only dlerror tells */
  *out = dlsym(m->handle, name);
  const char *why = dlerror();
  if (why)
    return cache_fail(c, HDTRT_CACHE_ERROR_SYMBOL, "no symbol '%s' in '%s': %s", name, m->path,
                      why);
  return HDTRT_CACHE_OK;
}
