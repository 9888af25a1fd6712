/* loader.h: from paths and command-line values to parsed modules.
 *
 * The loader is everything between the file system and sema: it reads the
 * main file (or standard input), follows `import` declarations through the
 * search path (the importing file's folder, then each -I folder, then the
 * standard library), reports missing files and import cycles, and parses the
 * -D NAME=VALUE values. Every file goes through one reader, with one size
 * limit and the same checks (a directory is not a file).
 *
 * What it hands on is all parsed: each import node points at its module
 * (ast.h: import.module) and each -D value is an expression, so sema only
 * checks, and never reads or parses anything itself (like jq's linker.c,
 * which resolves a program's imports before it is compiled). */
#ifndef HDT_LOADER_H
#define HDT_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"

/* -D NAME=VALUE as given on the command line. */
typedef struct loader_define {
  const char *name;
  const char *value; /* the text after '=' */
} loader_define;

typedef struct loader_options {
  const char *const *include_dirs; /* -I, in order */
  int ninclude;
  const char *stdlib_dir;          /* searched last; may be NULL */
  const loader_define *defines;    /* -D, in command-line order */
  int ndefines;
} loader_options;

/* A -D value, parsed. */
typedef struct loaded_define {
  const char *name;
  /* The value as an expression (in a source of its own named "-D NAME");
   * NULL when it did not parse, when a later -D of the same name overrides
   * it, or when no generic parameter of any loaded function has the name
   * (it is then not parsed at all: sema only warns about it). */
  ast_node *value;
} loaded_define;

/* The main module and every module it imports, directly or not. */
typedef struct loaded_program {
  ast_node *main;
  ast_node **modules; /* main first, then each imported module once, in the
                         order of first import (depth first) */
  int nmodules;
  loaded_define *defines; /* one per -D, in command-line order */
  int ndefines;
} loaded_program;

/* Files larger than this are rejected (a span's offsets are 32-bit). */
#define LOADER_MAX_FILE ((uint64_t)1 << 32)

/* Reads the file at path ("-": standard input, named "<stdin>") into the
 * source table as *file. Reports "cannot open" or "cannot read" (a
 * directory, an I/O error, too large) without a location and returns false. */
bool loader_read_input(diag_ctx *d, const char *path, uint32_t *file);

/* loader_read_input, then parse_file: the main module, or NULL when the
 * file could not be read. Its imports are not followed yet, so that
 * --emit=ast shows the main file alone. */
ast_node *loader_load_main(arena *a, diag_ctx *d, const char *path);

/* Follows main's imports (recursively: every import node gets its module,
 * NULL where the file is missing, unreadable or closes a cycle, after an
 * error at the import) and parses the -D values that a generic parameter
 * reads. Errors go to d; the program is returned also after errors. */
loaded_program *loader_load_program(arena *a, diag_ctx *d, const loader_options *opt, ast_node *main);

#endif
