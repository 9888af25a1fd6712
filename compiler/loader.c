/* loader.c: reading files, following imports, parsing -D values (see
 * loader.h).
 *
 * Imports are followed depth first, in declaration order, which is the
 * order in which sema checks the modules: a module is "in progress" while
 * its own imports are followed, and importing an in-progress module again
 * is a cycle. Modules are identified by their real path, so one file
 * imported under two spellings is loaded once. The chain of modules being
 * loaded (for the cycle notes) is kept as the paths the files were opened
 * by, as the user wrote them.
 *
 * The module table and the chain are small and short-lived: they are
 * malloc'd and freed before loader_load_program returns; what is handed on
 * (the loaded_program) lives in the compilation's arena. */
#define _XOPEN_SOURCE 700
#include "loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parse.h"

/* ---- reading ---- */

/* Reads a whole stream; returns a malloc'd buffer or NULL (errno set; EFBIG
 * past LOADER_MAX_FILE). */
static char *loader_read_stream(FILE *in, size_t *len) {
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - n, in);
    if (n < cap)
      break;
    char *bigger = cap < LOADER_MAX_FILE ? realloc(buf, cap * 2) : NULL;
    if (!bigger) {
      free(buf);
      errno = EFBIG;
      return NULL;
    }
    buf = bigger;
    cap *= 2;
  }
  if (buf && ferror(in)) {
    free(buf);
    return NULL;
  }
  *len = n;
  return buf;
}

typedef enum { LOADER_READ_OK, LOADER_OPEN_FAILED, LOADER_READ_FAILED } loader_status;

/* The one reader for the main file and imports: path ("-": standard input)
 * into the source table under name. On failure *why is the reason. A
 * regular file's size is checked before reading, so that a huge file is
 * rejected at once rather than after reading 4 GiB of it. */
static loader_status loader_read(diag_ctx *d, const char *path, const char *name, uint32_t *file,
                                 const char **why) {
  bool from_stdin = strcmp(path, "-") == 0;
  FILE *in = from_stdin ? stdin : fopen(path, "rb");
  if (!in) {
    *why = strerror(errno);
    return LOADER_OPEN_FAILED;
  }
  struct stat st;
  bool have_stat = !from_stdin && fstat(fileno(in), &st) == 0;
  const char *reason = NULL;
  size_t len = 0;
  char *text = NULL;
  if (have_stat && S_ISDIR(st.st_mode)) {
    reason = "it is a directory";
  } else if (have_stat && S_ISREG(st.st_mode) && (uint64_t)st.st_size >= LOADER_MAX_FILE) {
    reason = strerror(EFBIG);
  } else {
    errno = 0;
    text = loader_read_stream(in, &len);
    int err = errno;
    if (!text || len >= UINT32_MAX)
      reason = text ? "larger than 4 GiB" : strerror(err ? err : EIO);
  }
  if (!from_stdin)
    fclose(in);
  if (reason) {
    free(text);
    *why = reason;
    return LOADER_READ_FAILED;
  }
  *file = diag_add_source(d, name, text, len);
  free(text);
  return LOADER_READ_OK;
}

bool loader_read_input(diag_ctx *d, const char *path, uint32_t *file) {
  bool from_stdin = strcmp(path, "-") == 0;
  const char *why = NULL;
  loader_status st = loader_read(d, path, from_stdin ? "<stdin>" : path, file, &why);
  if (st == LOADER_OPEN_FAILED)
    diag_error_noloc(d, "cannot open '%s': %s", path, why);
  else if (st == LOADER_READ_FAILED)
    diag_error_noloc(d, "cannot read '%s': %s", path, why);
  return st == LOADER_READ_OK;
}

ast_node *loader_load_main(arena *a, diag_ctx *d, const char *path) {
  uint32_t file;
  if (!loader_read_input(d, path, &file))
    return NULL;
  return parse_file(a, d, file);
}

/* ---- the import graph ---- */

typedef struct loader_module {
  const char *key; /* real path */
  ast_node *module;
  bool in_progress; /* on the import chain: importing it again is a cycle */
} loader_module;

typedef struct loader {
  arena *a;
  diag_ctx *d;
  const loader_options *opt;
  loader_module *mods;
  int nmods, capmods;
  const char **chain; /* paths of the modules in progress, outermost first */
  int nchain, capchain;
} loader;

static void *loader_grow(void *p, int *cap, size_t elem) {
  *cap = *cap ? 2 * *cap : 8;
  void *q = realloc(p, (size_t)*cap * elem);
  if (!q) {
    fputs("hdtc: fatal: out of memory\n", stderr);
    abort();
  }
  return q;
}

/* fopen rather than stat: a file that cannot be opened is not found, and
 * the search goes on (a directory opens, and is rejected when read). */
static bool loader_file_exists(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return false;
  fclose(f);
  return true;
}

/* Search order: the importing file's folder, each -I folder, the stdlib. */
static char *loader_resolve(loader *l, const char *from, const char *path) {
  if (path[0] == '/')
    return loader_file_exists(path) ? arena_strdup(l->a, path) : NULL;
  const char *slash = strrchr(from, '/');
  char *cand = slash ? arena_printf(l->a, "%.*s/%s", (int)(slash - from), from, path)
                     : arena_strdup(l->a, path);
  if (loader_file_exists(cand))
    return cand;
  for (int i = 0; i < l->opt->ninclude; i++) {
    cand = arena_printf(l->a, "%s/%s", l->opt->include_dirs[i], path);
    if (loader_file_exists(cand))
      return cand;
  }
  if (l->opt->stdlib_dir) {
    cand = arena_printf(l->a, "%s/%s", l->opt->stdlib_dir, path);
    if (loader_file_exists(cand))
      return cand;
  }
  return NULL;
}

/* The identity of a file: its real path, or the path itself when it has
 * none (standard input). */
static const char *loader_key(loader *l, const char *path) {
  char *real = realpath(path, NULL);
  const char *key = real ? arena_strdup(l->a, real) : path;
  free(real);
  return key;
}

static loader_module *loader_find(loader *l, const char *key) {
  for (int i = 0; i < l->nmods; i++)
    if (strcmp(l->mods[i].key, key) == 0)
      return &l->mods[i];
  return NULL;
}

/* Adds a module, in progress; returns its index (the table may move). */
static int loader_add(loader *l, const char *key, ast_node *module) {
  if (l->nmods == l->capmods)
    l->mods = loader_grow(l->mods, &l->capmods, sizeof *l->mods);
  l->mods[l->nmods] = (loader_module){.key = key, .module = module, .in_progress = true};
  return l->nmods++;
}

static void loader_cycle(loader *l, ast_node *imp) {
  diag_error(l->d, imp->span, "import cycle: '%s' imports itself through the chain of imports",
             imp->import.path);
  for (int i = 0; i < l->nchain; i++)
    diag_note(l->d, imp->span, "%s '%s'", i == 0 ? "chain starts at" : "which imports", l->chain[i]);
}

static void loader_module_imports(loader *l, ast_node *module);

/* The module that import node imp (in the file `from`) names, loaded and
 * with its own imports followed; NULL after an error at the import. */
static ast_node *loader_import(loader *l, ast_node *imp, const char *from) {
  char *path = loader_resolve(l, from, imp->import.path);
  if (!path) {
    diag_error(l->d, imp->span, "cannot find '%s' (searched next to '%s', the -I folders and the standard library)",
               imp->import.path, from);
    return NULL;
  }
  const char *key = loader_key(l, path);
  loader_module *e = loader_find(l, key);
  if (e && e->in_progress) {
    loader_cycle(l, imp);
    return NULL;
  }
  if (e)
    return e->module;
  uint32_t file;
  const char *why = NULL;
  if (loader_read(l->d, path, path, &file, &why) != LOADER_READ_OK) {
    diag_error(l->d, imp->span, "cannot read '%s': %s", path, why);
    return NULL;
  }
  ast_node *module = parse_file(l->a, l->d, file);
  int idx = loader_add(l, key, module);
  loader_module_imports(l, module);
  l->mods[idx].in_progress = false;
  return module;
}

static void loader_module_imports(loader *l, ast_node *module) {
  if (l->nchain == l->capchain)
    l->chain = loader_grow(l->chain, &l->capchain, sizeof *l->chain);
  l->chain[l->nchain++] = module->module.path;
  for (int i = 0; i < module->module.decls.len; i++) {
    ast_node *d = module->module.decls.items[i];
    if (d->kind == AST_IMPORT)
      d->import.module = loader_import(l, d, module->module.path);
  }
  l->nchain--;
}

/* ---- -D values ---- */

/* Whether a function of some loaded module has a generic parameter `name`:
 * only those -D values are read by sema, so only they are parsed. */
static bool loader_generic_named(const loader *l, const char *name) {
  for (int m = 0; m < l->nmods; m++) {
    const ast_list *decls = &l->mods[m].module->module.decls;
    for (int i = 0; i < decls->len; i++) {
      const ast_node *f = decls->items[i];
      if (f->kind != AST_FUNC)
        continue;
      for (int k = 0; k < f->func.generics.len; k++)
        if (strcmp(f->func.generics.items[k]->generic.name, name) == 0)
          return true;
    }
  }
  return false;
}

static bool loader_overridden(const loader_options *opt, int i) {
  for (int j = i + 1; j < opt->ndefines; j++)
    if (strcmp(opt->defines[j].name, opt->defines[i].name) == 0)
      return true;
  return false;
}

/* The value of -D NAME=TEXT is parsed as an expression in a source of its
 * own named "-D NAME", so that its errors point into the value. */
static void loader_parse_defines(loader *l, loaded_program *p) {
  const loader_options *opt = l->opt;
  p->ndefines = opt->ndefines;
  p->defines = arena_alloc(l->a, (size_t)(opt->ndefines ? opt->ndefines : 1) * sizeof *p->defines);
  for (int i = 0; i < opt->ndefines; i++) {
    const loader_define *def = &opt->defines[i];
    p->defines[i].name = def->name;
    if (loader_overridden(opt, i) || !loader_generic_named(l, def->name))
      continue;
    char *name = arena_printf(l->a, "-D %s", def->name);
    uint32_t file = diag_add_source(l->d, name, def->value, strlen(def->value));
    p->defines[i].value = parse_expr(l->a, l->d, file);
  }
}

/* ---- the program ---- */

loaded_program *loader_load_program(arena *a, diag_ctx *d, const loader_options *opt, ast_node *main) {
  loader l = {.a = a, .d = d, .opt = opt};
  loader_add(&l, loader_key(&l, main->module.path), main);
  loader_module_imports(&l, main);
  l.mods[0].in_progress = false;
  loaded_program *p = arena_alloc(a, sizeof *p);
  p->main = main;
  p->nmodules = l.nmods;
  p->modules = arena_alloc(a, (size_t)l.nmods * sizeof *p->modules);
  for (int i = 0; i < l.nmods; i++)
    p->modules[i] = l.mods[i].module;
  loader_parse_defines(&l, p);
  free(l.mods);
  free(l.chain);
  return p;
}
