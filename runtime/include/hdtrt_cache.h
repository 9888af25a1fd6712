/* hdtrt_cache.h: the compilation cache. Generated kernel source (one
 * translation unit per target, as hdtc writes it) goes in; a loaded shared
 * object comes out, from which kernels are looked up by name.
 *
 * Public (runtime/include/, next to hdtrt.h) rather than internal: the graph
 * runtime's session layer is its first user, but a tool that generates
 * kernels with hdtc.h and wants them compiled once needs it too, and
 * nothing in it exposes how it is built.
 *
 *     hdtrt_cache *cache;
 *     hdtrt_cache_create(&cache, NULL);         // $HDT_CACHE_DIR, ...
 *     hdtrt_cache_module *m;
 *     int hit;
 *     if (hdtrt_cache_load(cache, src, len, HDTRT_CACHE_HOST, NULL, &m, &hit)
 *         != HDTRT_CACHE_OK)
 *       fprintf(stderr, "%s\n", hdtrt_cache_last_error(cache));
 *     void *fn;
 *     hdtrt_cache_symbol(cache, m, "vector_add", &fn);
 *     hdtrt_cache_destroy(cache);
 *
 * The key of a shared object is the SHA-256 of the source, the target, the
 * compiler (its path and its `--version` output), the whole command line
 * but for file names, the contents of the runtime headers the target
 * includes, and the hdt version: a second load of the same kernels compiles
 * nothing (hdtrt_cache_stats counts hits and compiles). docs/runtime.md,
 * "Compilation cache", has the details.
 *
 * After hdtc.h: an opaque handle, a status from every call, the reason for
 * the last failure in hdtrt_cache_last_error, and nothing global, so each
 * thread may use a cache of its own (one handle is not thread-safe). Several
 * processes may share one cache folder. */
#ifndef HDTRT_CACHE_H
#define HDTRT_CACHE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hdtrt_cache hdtrt_cache;
/* A loaded shared object; owned by its cache. */
typedef struct hdtrt_cache_module hdtrt_cache_module;

typedef enum hdtrt_cache_status {
  HDTRT_CACHE_OK = 0,
  HDTRT_CACHE_ERROR_INVALID,  /* a NULL or out-of-range argument */
  HDTRT_CACHE_ERROR_DIR,      /* the cache folder cannot be found, created or written */
  HDTRT_CACHE_ERROR_COMPILER, /* the compiler could not be run (not found...) */
  HDTRT_CACHE_ERROR_COMPILE,  /* the compiler failed; the message holds its output */
  HDTRT_CACHE_ERROR_LOAD,     /* dlopen refused a freshly compiled object */
  HDTRT_CACHE_ERROR_SYMBOL,   /* no such symbol in the module */
  HDTRT_CACHE_ERROR_NOMEM,
} hdtrt_cache_status;

typedef enum hdtrt_cache_target {
  HDTRT_CACHE_HOST, /* C for the CPU: $CC (else cc) */
  HDTRT_CACHE_CUDA, /* CUDA C: $NVCC (else nvcc) */
} hdtrt_cache_target;

/* Options of one load; NULL (or every field zero) takes the defaults. */
typedef struct hdtrt_cache_options {
  const char *compiler;     /* program name or path; NULL: as above */
  const char *const *flags; /* appended to the default command line */
  int nflags;
  const char *cuda_arch;    /* nvcc -arch; NULL: "sm_80" */
  const char *include_dir;  /* the runtime headers; NULL: this build's runtime/include */
  int nkernels;             /* for the progress line only; 0: not said */
} hdtrt_cache_options;

typedef struct hdtrt_cache_stats {
  long hits;       /* loads served by an object already on disk */
  long compiles;   /* compiler runs that produced an object */
  long recompiles; /* of those, objects on disk that dlopen refused (corrupt) */
} hdtrt_cache_stats;

/* A cache over folder dir; NULL: $HDT_CACHE_DIR, else $XDG_CACHE_HOME/hdt,
 * else $HOME/.cache/hdt. The folder is created if missing and must be
 * writable (HDTRT_CACHE_ERROR_DIR). Environment variables are read here:
 * HDT_CACHE_VERBOSE=1 logs every hit and compile on stderr. On failure
 * *out still holds a cache (or NULL without memory), for its message; only
 * hdtrt_cache_last_error and hdtrt_cache_destroy may be called on it. */
hdtrt_cache_status hdtrt_cache_create(hdtrt_cache **out, const char *dir);
/* Releases the cache and its modules. Loaded code stays mapped until the
 * process exits (an OpenMP thread pool may still run in it). NULL is allowed. */
void hdtrt_cache_destroy(hdtrt_cache *cache);

/* The reason for the last failed call, or "". */
const char *hdtrt_cache_last_error(const hdtrt_cache *cache);
/* The cache folder. */
const char *hdtrt_cache_dir(const hdtrt_cache *cache);
void hdtrt_cache_get_stats(const hdtrt_cache *cache, hdtrt_cache_stats *out);

/* The key (64 hex digits) that source would be stored under: the object is
 * <dir>/<key>.so, its source <dir>/<key>.c or .cu. Runs `compiler
 * --version` once per cache and compiler. */
hdtrt_cache_status hdtrt_cache_key(hdtrt_cache *cache, const char *source, size_t len,
                                   hdtrt_cache_target target, const hdtrt_cache_options *options,
                                   char key[65]);

/* Loads source compiled for target: from the cache when its key is there
 * (*hit = 1, if hit), else compiled first (*hit = 0). An object on disk that
 * dlopen refuses is compiled again. A compile that takes over a second
 * shows progress when stderr is a terminal. */
hdtrt_cache_status hdtrt_cache_load(hdtrt_cache *cache, const char *source, size_t len,
                                    hdtrt_cache_target target, const hdtrt_cache_options *options,
                                    hdtrt_cache_module **out, int *hit);

/* The address of symbol name in module (dlsym). */
hdtrt_cache_status hdtrt_cache_symbol(hdtrt_cache *cache, hdtrt_cache_module *module,
                                      const char *name, void **out);
/* The module's shared object on disk. */
const char *hdtrt_cache_module_path(const hdtrt_cache_module *module);

#ifdef __cplusplus
}
#endif

#endif
