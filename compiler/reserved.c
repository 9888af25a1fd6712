/* reserved.c: the one list of names that generated code must not define.
 *
 * Four places used to keep their own list: the lowering (variable names),
 * each emitter (the C or C++ name of a device function) and sema (a
 * kernel's C entry point). One table now says, per word, which of those
 * uses it is reserved for: the uses differ because the output differs (a
 * C++ keyword is a fine C name; a <math.h> function may not be redefined
 * in C but lives in another namespace in the CUDA output), and each use
 * keeps exactly the set it had. Builtin names are not spelled here: they
 * come from builtins.def, so a new builtin is reserved where its kind says
 * (builtin variables everywhere, since every target spells them itself;
 * pure callable builtins for variables and kernel entry points). */
#include "reserved.h"

#include <stdbool.h>
#include <string.h>

#include "builtins.h"

enum {
  R_VAR = 1 << 0,       /* a variable of the lowered IR */
  R_CUDA = 1 << 1,      /* a device function's C++ name */
  R_HOST = 1 << 2,      /* a static C function of the host output */
  R_HOST_MATH = 1 << 3, /* a <math.h> function: reserved in the host output with f or l too */
};

typedef struct reserved_word {
  const char *name;
  unsigned uses;
} reserved_word;

/* Sorted by name (binary search). */
static const reserved_word reserved_words[] = {
    {"EOF", R_VAR}, {"INFINITY", R_CUDA | R_VAR}, {"INT32_MAX", R_VAR}, {"INT32_MIN", R_VAR},
    {"INT64_C", R_CUDA | R_HOST}, {"INT64_MAX", R_VAR}, {"INT64_MIN", R_VAR}, {"M_PI", R_VAR},
    {"NAN", R_CUDA | R_VAR}, {"NULL", R_CUDA | R_HOST | R_VAR}, {"UINT32_MAX", R_VAR},
    {"UINT64_C", R_CUDA | R_HOST}, {"UINT64_MAX", R_VAR}, {"__half", R_VAR}, {"__nv_bfloat16", R_VAR},
    {"abort", R_HOST}, {"abs", R_HOST}, {"acos", R_HOST_MATH}, {"acosh", R_HOST_MATH},
    {"alignas", R_CUDA | R_VAR}, {"alignof", R_CUDA | R_VAR}, {"alloca", R_HOST}, {"and", R_CUDA | R_VAR},
    {"and_eq", R_CUDA | R_VAR}, {"asin", R_HOST_MATH}, {"asinh", R_HOST_MATH},
    {"asm", R_CUDA | R_HOST | R_VAR}, {"assert", R_VAR}, {"atan", R_HOST_MATH},
    {"atan2", R_HOST_MATH}, {"atanh", R_HOST_MATH}, {"atoi", R_HOST}, {"atol", R_HOST},
    {"auto", R_CUDA | R_HOST | R_VAR}, {"bitand", R_CUDA | R_VAR}, {"bitor", R_CUDA | R_VAR},
    {"bool", R_CUDA | R_HOST | R_VAR}, {"break", R_CUDA | R_HOST | R_VAR}, {"bsearch", R_HOST},
    {"calloc", R_HOST}, {"case", R_CUDA | R_HOST | R_VAR}, {"catch", R_CUDA | R_VAR},
    {"cbrt", R_HOST_MATH}, {"ceil", R_HOST_MATH}, {"char", R_CUDA | R_HOST | R_VAR},
    {"char16_t", R_CUDA | R_VAR}, {"char32_t", R_CUDA | R_VAR}, {"char8_t", R_CUDA},
    {"class", R_CUDA | R_VAR}, {"co_await", R_CUDA}, {"co_return", R_CUDA}, {"co_yield", R_CUDA},
    {"compl", R_CUDA | R_VAR}, {"concept", R_CUDA}, {"const", R_CUDA | R_HOST | R_VAR},
    {"const_cast", R_CUDA}, {"consteval", R_CUDA}, {"constexpr", R_CUDA | R_VAR}, {"constinit", R_CUDA},
    {"continue", R_CUDA | R_HOST | R_VAR}, {"copysign", R_HOST_MATH}, {"cos", R_HOST_MATH},
    {"cosh", R_HOST_MATH}, {"cudaError_t", R_VAR}, {"cudaStream_t", R_CUDA | R_VAR},
    {"decltype", R_CUDA | R_VAR}, {"default", R_CUDA | R_HOST | R_VAR}, {"delete", R_CUDA | R_VAR},
    {"dim3", R_CUDA | R_VAR}, {"div", R_HOST}, {"do", R_CUDA | R_HOST | R_VAR}, {"done", R_HOST | R_VAR},
    {"double", R_CUDA | R_HOST | R_VAR}, {"drem", R_HOST}, {"dynamic_cast", R_CUDA},
    {"else", R_CUDA | R_HOST | R_VAR}, {"enum", R_CUDA | R_HOST | R_VAR}, {"erf", R_HOST_MATH},
    {"erfc", R_HOST_MATH}, {"errno", R_VAR}, {"exit", R_HOST}, {"exp", R_HOST_MATH},
    {"exp10", R_HOST}, {"exp2", R_HOST_MATH}, {"explicit", R_CUDA | R_VAR}, {"expm1", R_HOST_MATH},
    {"export", R_CUDA | R_VAR}, {"extern", R_CUDA | R_HOST | R_VAR}, {"fabs", R_HOST_MATH},
    {"false", R_CUDA | R_HOST | R_VAR}, {"fdim", R_HOST_MATH}, {"finite", R_HOST},
    {"float", R_CUDA | R_HOST | R_VAR}, {"floor", R_HOST_MATH}, {"fma", R_HOST_MATH},
    {"fmax", R_HOST_MATH}, {"fmin", R_HOST_MATH}, {"fmod", R_HOST_MATH},
    {"for", R_CUDA | R_HOST | R_VAR}, {"fpclassify", R_HOST}, {"fprintf", R_HOST}, {"fputc", R_HOST},
    {"fputs", R_HOST}, {"frame", R_HOST | R_VAR}, {"free", R_HOST},
    {"frexp", R_HOST_MATH}, {"friend", R_CUDA | R_VAR}, {"gamma", R_HOST},
    {"goto", R_CUDA | R_HOST | R_VAR}, {"grid", R_VAR}, {"hypot", R_HOST_MATH},
    {"if", R_CUDA | R_HOST | R_VAR}, {"ilogb", R_HOST_MATH}, {"inline", R_CUDA | R_HOST | R_VAR},
    {"int", R_CUDA | R_HOST | R_VAR}, {"int16_t", R_CUDA | R_HOST | R_VAR},
    {"int32_t", R_CUDA | R_HOST | R_VAR}, {"int64_t", R_CUDA | R_HOST | R_VAR},
    {"int8_t", R_CUDA | R_HOST | R_VAR}, {"intptr_t", R_VAR}, {"isalpha", R_HOST}, {"isdigit", R_HOST},
    {"isfinite", R_HOST}, {"isinf", R_HOST}, {"isnan", R_HOST}, {"isspace", R_HOST}, {"j0", R_HOST},
    {"j1", R_HOST}, {"jn", R_HOST}, {"labs", R_HOST}, {"ldexp", R_HOST_MATH},
    {"lgamma", R_HOST_MATH}, {"llabs", R_HOST}, {"llrint", R_HOST_MATH}, {"llround", R_HOST_MATH},
    {"log", R_HOST_MATH}, {"log10", R_HOST_MATH}, {"log1p", R_HOST_MATH},
    {"log2", R_HOST_MATH}, {"logb", R_HOST_MATH}, {"long", R_CUDA | R_HOST | R_VAR},
    {"lrint", R_HOST_MATH}, {"lround", R_HOST_MATH}, {"main", R_CUDA | R_HOST | R_VAR},
    {"malloc", R_HOST}, {"memchr", R_HOST}, {"memcmp", R_HOST}, {"memcpy", R_HOST},
    {"memmove", R_HOST}, {"memset", R_HOST}, {"modf", R_HOST_MATH},
    {"mutable", R_CUDA | R_VAR}, {"namespace", R_CUDA | R_VAR}, {"nan", R_HOST_MATH},
    {"nearbyint", R_HOST_MATH}, {"new", R_CUDA | R_VAR}, {"nextafter", R_HOST_MATH},
    {"nexttoward", R_HOST_MATH}, {"noexcept", R_CUDA | R_VAR}, {"not", R_CUDA | R_VAR},
    {"not_eq", R_CUDA | R_VAR}, {"nullptr", R_CUDA | R_VAR}, {"offsetof", R_HOST},
    {"operator", R_CUDA | R_VAR}, {"or", R_CUDA | R_VAR}, {"or_eq", R_CUDA | R_VAR},
    {"pow", R_HOST_MATH}, {"pow10", R_HOST}, {"printf", R_HOST},
    {"private", R_CUDA | R_VAR}, {"protected", R_CUDA}, {"ptrdiff_t", R_HOST | R_VAR},
    {"public", R_CUDA | R_VAR}, {"putchar", R_HOST}, {"puts", R_HOST}, {"qsort", R_HOST},
    {"realloc", R_HOST}, {"register", R_CUDA | R_HOST | R_VAR}, {"reinterpret_cast", R_CUDA},
    {"remainder", R_HOST_MATH}, {"remquo", R_HOST_MATH}, {"requires", R_CUDA},
    {"restrict", R_CUDA | R_HOST | R_VAR}, {"return", R_CUDA | R_HOST | R_VAR},
    {"rint", R_HOST_MATH}, {"round", R_HOST_MATH}, {"scalb", R_HOST},
    {"scalbln", R_HOST_MATH}, {"scalbn", R_HOST_MATH}, {"scanf", R_HOST}, {"short", R_CUDA | R_HOST | R_VAR},
    {"signbit", R_HOST}, {"signed", R_CUDA | R_HOST | R_VAR}, {"significand", R_HOST},
    {"sin", R_HOST_MATH}, {"sincos", R_HOST}, {"sinh", R_HOST_MATH},
    {"size_t", R_CUDA | R_HOST | R_VAR}, {"sizeof", R_CUDA | R_HOST | R_VAR}, {"snprintf", R_HOST},
    {"sprintf", R_HOST}, {"sqrt", R_HOST_MATH}, {"sscanf", R_HOST}, {"static", R_CUDA | R_HOST | R_VAR},
    {"static_assert", R_CUDA | R_VAR}, {"static_cast", R_CUDA}, {"std", R_CUDA | R_VAR}, {"strcat", R_HOST},
    {"strchr", R_HOST}, {"strcmp", R_HOST}, {"strcpy", R_HOST}, {"strdup", R_HOST}, {"stream", R_VAR},
    {"strlen", R_HOST}, {"strncat", R_HOST}, {"strncmp", R_HOST}, {"strncpy", R_HOST},
    {"strrchr", R_HOST}, {"strstr", R_HOST}, {"strtol", R_HOST}, {"struct", R_CUDA | R_HOST | R_VAR},
    {"switch", R_CUDA | R_HOST | R_VAR}, {"tan", R_HOST_MATH}, {"tanh", R_HOST_MATH},
    {"template", R_CUDA | R_VAR}, {"tgamma", R_HOST_MATH}, {"this", R_CUDA | R_VAR},
    {"thread_local", R_CUDA | R_VAR}, {"throw", R_CUDA | R_VAR}, {"tid", R_HOST | R_VAR}, {"tolower", R_HOST},
    {"toupper", R_HOST}, {"true", R_CUDA | R_HOST | R_VAR}, {"trunc", R_HOST_MATH},
    {"try", R_CUDA | R_VAR}, {"typedef", R_CUDA | R_HOST | R_VAR}, {"typeid", R_CUDA | R_VAR},
    {"typename", R_CUDA | R_VAR}, {"typeof", R_HOST}, {"uint16_t", R_CUDA | R_HOST | R_VAR},
    {"uint32_t", R_CUDA | R_HOST | R_VAR}, {"uint64_t", R_CUDA | R_HOST | R_VAR},
    {"uint8_t", R_CUDA | R_HOST | R_VAR}, {"union", R_CUDA | R_HOST | R_VAR},
    {"unsigned", R_CUDA | R_HOST | R_VAR}, {"using", R_CUDA | R_VAR}, {"virtual", R_CUDA | R_VAR},
    {"void", R_CUDA | R_HOST | R_VAR}, {"volatile", R_CUDA | R_HOST | R_VAR}, {"warpSize", R_CUDA | R_VAR},
    {"wchar_t", R_CUDA | R_VAR}, {"while", R_CUDA | R_HOST | R_VAR}, {"xchg", R_HOST | R_VAR},
    {"xor", R_CUDA | R_VAR}, {"xor_eq", R_CUDA | R_VAR}, {"y0", R_HOST}, {"y1", R_HOST}, {"yn", R_HOST},
};

static unsigned reserved_lookup(const char *name) {
  size_t lo = 0, hi = sizeof reserved_words / sizeof *reserved_words;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(name, reserved_words[mid].name);
    if (c == 0)
      return reserved_words[mid].uses;
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return 0;
}

/* The builtin uses of a name: builtin variables are spelled by every
 * target; pure callable builtins (exp, min...) are helpers or library
 * functions of the same name on some target. */
static unsigned reserved_builtin(const char *name) {
  const builtin_info *b = builtin_find(name);
  if (!b)
    return 0;
  if (b->lowering == BL_SPECIAL)
    return R_VAR | R_CUDA | R_HOST;
  if (b->lowering == BL_CALL && builtin_has(b, BF_PURE))
    return R_VAR;
  return 0;
}

bool reserved_by_c(const char *name) {
  return strncmp(name, "hdt_", 4) == 0 || strstr(name, "__") || (name[0] == '_' && name[1] >= 'A' && name[1] <= 'Z');
}

static bool reserved_as(const char *name, unsigned use) {
  return ((reserved_lookup(name) | reserved_builtin(name)) & use) != 0;
}

bool reserved_var_name(const char *name) { return reserved_as(name, R_VAR) || reserved_by_c(name); }

bool reserved_cuda_name(const char *name) { return reserved_by_c(name) || reserved_as(name, R_CUDA); }

/* <math.h> reserves sinf and sinl with sin. */
static bool reserved_math_suffixed(const char *name) {
  size_t len = strlen(name);
  if (len < 2 || (name[len - 1] != 'f' && name[len - 1] != 'l'))
    return false;
  char stem[64];
  if (len - 1 >= sizeof stem)
    return false;
  memcpy(stem, name, len - 1);
  stem[len - 1] = '\0';
  return (reserved_lookup(stem) & R_HOST_MATH) != 0;
}

bool reserved_host_name(const char *name) {
  return reserved_by_c(name) || reserved_as(name, R_HOST | R_HOST_MATH) || reserved_math_suffixed(name);
}

/* A kernel NAME is the C entry point NAME (and NAME_async), declared at file
 * scope of the generated C and CUDA, next to the C library, <math.h>,
 * <stdint.h>, CUDA's headers and C++ keywords. Such a name must be free in
 * all of them: the rule is by shape first (reserved_kernel_shape), then by
 * word (the tables below). This is stricter than the variable rule above
 * because a kernel's name is the one identifier hdtc cannot rename. */
static const char *const reserved_c_words[] = {
    /* C and C++ keywords, alternative tokens and the CUDA/C++ words that
     * parse as keywords */
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break",
    "case", "catch", "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept",
    "const", "consteval", "constexpr", "constinit", "const_cast", "continue", "co_await",
    "co_return", "co_yield", "decltype", "default", "delete", "do", "double", "dynamic_cast",
    "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend", "goto",
    "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
    "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register",
    "reinterpret_cast", "requires", "restrict", "return", "short", "signed", "sizeof", "static",
    "static_assert", "static_cast", "struct", "switch", "template", "this", "thread_local",
    "throw", "true", "try", "typedef", "typeid", "typename", "typeof", "union", "unsigned",
    "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq", "std", "main",
    /* macros of the C and CUDA headers the generated code includes */
    "NULL", "EOF", "INFINITY", "NAN", "HUGE_VAL", "INT64_C", "UINT64_C", "INT32_C", "UINT32_C",
    "INT32_MAX", "INT32_MIN", "INT64_MAX", "INT64_MIN", "UINT32_MAX", "UINT64_MAX", "M_PI",
    "assert", "errno", "offsetof", "CHAR_BIT",
    /* CUDA's built-in variables, types and device functions */
    "threadIdx", "blockIdx", "blockDim", "gridDim", "warpSize", "dim3", "half", "nv_bfloat16",
    "nv_bfloat162", "rsqrt", "rcbrt", "saturate", "sincospi", "sinpi", "cospi", "normcdf",
    "normcdfinv", "erfinv", "erfcinv", "erfcx", "norm", "rnorm", "norm3d", "norm4d", "rhypot",
    "clock", "clock64", "atomicAdd", "atomicSub", "atomicExch", "atomicMin", "atomicMax",
    "atomicCAS", "atomicAnd", "atomicOr", "atomicXor", "printf", "malloc", "free", "memcpy",
    "memset",
    /* the C library functions the headers declare */
    "abs", "labs", "llabs", "div", "calloc", "realloc", "exit", "abort", "atoi", "atol",
    "strtol", "qsort", "bsearch", "memmove", "memcmp", "memchr", "strlen", "strcpy", "strncpy",
    "strcat", "strncat", "strcmp", "strncmp", "strchr", "strrchr", "strstr", "strdup",
    "fprintf", "sprintf", "snprintf", "puts", "putchar", "fputs", "fputc", "scanf", "sscanf",
    "isalpha", "isdigit", "isspace", "toupper", "tolower", "alloca", "signbit", "isnan",
    "isinf", "isfinite", "fpclassify", "gamma", "j0", "j1", "jn", "y0", "y1", "yn", "exp10",
    "pow10", "sincos", "significand", "drem", "finite", "scalb", "min", "max", "umin", "umax",
    "llmin", "llmax", "ullmin", "ullmax", "fdividef",
};

/* <math.h> functions: each also taken with an f or l suffix (expf, sqrtl). */
static const char *const reserved_c_math[] = {
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "ceil", "copysign",
    "cos", "cosh", "erf", "erfc", "exp", "exp2", "expm1", "fabs", "fdim", "floor", "fma",
    "fmax", "fmin", "fmod", "frexp", "hypot", "ilogb", "ldexp", "lgamma", "llrint", "llround",
    "log", "log10", "log1p", "log2", "logb", "lrint", "lround", "modf", "nan", "nearbyint",
    "nextafter", "nexttoward", "pow", "remainder", "remquo", "rint", "round", "scalbln",
    "scalbn", "sin", "sinh", "sqrt", "tan", "tanh", "tgamma", "trunc", "rsqrt", "rcbrt",
    "exp10", "sincos", "erfinv", "erfcinv", "normcdf", "normcdfinv", "sinpi", "cospi",
};

/* CUDA's vector types: char1..char4, uint2, float4, longlong2, half2... */
static bool reserved_cuda_vector_type(const char *name) {
  static const char *const bases[] = {"char", "uchar", "short", "ushort", "int", "uint",
                                      "long", "ulong", "longlong", "ulonglong", "float",
                                      "double", "half", "bfloat16", "nv_bfloat16"};
  size_t len = strlen(name);
  if (len < 2 || name[len - 1] < '1' || name[len - 1] > '4')
    return false;
  for (size_t i = 0; i < sizeof bases / sizeof *bases; i++)
    if (strlen(bases[i]) == len - 1 && strncmp(bases[i], name, len - 1) == 0)
      return true;
  return false;
}

/* Why a name cannot be a C symbol at file scope, or NULL. */
static const char *reserved_kernel_shape(const char *name) {
  size_t len = strlen(name);
  if (name[0] == '_')
    return "C reserves names that start with '_' at file scope";
  if (strstr(name, "__"))
    return "C++ reserves names that contain '__'";
  if (strncmp(name, "hdt_", 4) == 0)
    return "names that start with 'hdt_' belong to the hdt runtime";
  if (strncmp(name, "cuda", 4) == 0)
    return "names that start with 'cuda' belong to the CUDA runtime";
  if (len > 2 && strcmp(name + len - 2, "_t") == 0)
    return "names that end in '_t' are C and POSIX type names (int32_t, size_t)";
  if (reserved_cuda_vector_type(name))
    return "it is a CUDA vector type";
  return NULL;
}

static const char *reserved_kernel_word(const char *name) {
  for (size_t i = 0; i < sizeof reserved_c_words / sizeof *reserved_c_words; i++)
    if (strcmp(name, reserved_c_words[i]) == 0)
      return "it is a C or C++ keyword, or a name the C, CUDA or hdt headers declare";
  size_t len = strlen(name);
  for (size_t i = 0; i < sizeof reserved_c_math / sizeof *reserved_c_math; i++) {
    size_t m = strlen(reserved_c_math[i]);
    if (strncmp(reserved_c_math[i], name, m) == 0 &&
        (len == m || (len == m + 1 && (name[m] == 'f' || name[m] == 'l'))))
      return "it is a <math.h> or CUDA math function";
  }
  return NULL;
}

const char *reserved_kernel_name(const char *name) {
  const char *why = reserved_kernel_shape(name);
  return why ? why : reserved_kernel_word(name);
}
