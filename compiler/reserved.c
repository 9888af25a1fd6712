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
  R_KERNEL = 1 << 4,    /* a kernel's extern "C" entry point */
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
    {"abort", R_HOST | R_KERNEL}, {"abs", R_HOST}, {"acos", R_HOST_MATH | R_KERNEL}, {"acosh", R_HOST_MATH},
    {"alignas", R_CUDA | R_VAR}, {"alignof", R_CUDA | R_VAR}, {"alloca", R_HOST}, {"and", R_CUDA | R_VAR},
    {"and_eq", R_CUDA | R_VAR}, {"asin", R_HOST_MATH | R_KERNEL}, {"asinh", R_HOST_MATH},
    {"asm", R_CUDA | R_HOST | R_VAR}, {"assert", R_VAR}, {"atan", R_HOST_MATH | R_KERNEL},
    {"atan2", R_HOST_MATH | R_KERNEL}, {"atanh", R_HOST_MATH}, {"atoi", R_HOST}, {"atol", R_HOST},
    {"auto", R_CUDA | R_HOST | R_VAR}, {"bitand", R_CUDA | R_VAR}, {"bitor", R_CUDA | R_VAR},
    {"bool", R_CUDA | R_HOST | R_VAR}, {"break", R_CUDA | R_HOST | R_VAR}, {"bsearch", R_HOST},
    {"calloc", R_HOST | R_KERNEL}, {"case", R_CUDA | R_HOST | R_VAR}, {"catch", R_CUDA | R_VAR},
    {"cbrt", R_HOST_MATH}, {"ceil", R_HOST_MATH | R_KERNEL}, {"char", R_CUDA | R_HOST | R_VAR},
    {"char16_t", R_CUDA | R_VAR}, {"char32_t", R_CUDA | R_VAR}, {"char8_t", R_CUDA},
    {"class", R_CUDA | R_VAR}, {"co_await", R_CUDA}, {"co_return", R_CUDA}, {"co_yield", R_CUDA},
    {"compl", R_CUDA | R_VAR}, {"concept", R_CUDA}, {"const", R_CUDA | R_HOST | R_VAR},
    {"const_cast", R_CUDA}, {"consteval", R_CUDA}, {"constexpr", R_CUDA | R_VAR}, {"constinit", R_CUDA},
    {"continue", R_CUDA | R_HOST | R_VAR}, {"copysign", R_HOST_MATH}, {"cos", R_HOST_MATH | R_KERNEL},
    {"cosh", R_HOST_MATH | R_KERNEL}, {"cudaError_t", R_VAR}, {"cudaStream_t", R_CUDA | R_VAR},
    {"decltype", R_CUDA | R_VAR}, {"default", R_CUDA | R_HOST | R_VAR}, {"delete", R_CUDA | R_VAR},
    {"dim3", R_CUDA | R_VAR}, {"div", R_HOST}, {"do", R_CUDA | R_HOST | R_VAR}, {"done", R_HOST | R_VAR},
    {"double", R_CUDA | R_HOST | R_VAR}, {"drem", R_HOST}, {"dynamic_cast", R_CUDA},
    {"else", R_CUDA | R_HOST | R_VAR}, {"enum", R_CUDA | R_HOST | R_VAR}, {"erf", R_HOST_MATH | R_KERNEL},
    {"erfc", R_HOST_MATH | R_KERNEL}, {"errno", R_VAR}, {"exit", R_HOST | R_KERNEL}, {"exp", R_HOST_MATH},
    {"exp10", R_HOST}, {"exp2", R_HOST_MATH | R_KERNEL}, {"explicit", R_CUDA | R_VAR}, {"expm1", R_HOST_MATH},
    {"export", R_CUDA | R_VAR}, {"extern", R_CUDA | R_HOST | R_VAR}, {"fabs", R_HOST_MATH | R_KERNEL},
    {"false", R_CUDA | R_HOST | R_VAR}, {"fdim", R_HOST_MATH}, {"finite", R_HOST},
    {"float", R_CUDA | R_HOST | R_VAR}, {"floor", R_HOST_MATH | R_KERNEL}, {"fma", R_HOST_MATH | R_KERNEL},
    {"fmax", R_HOST_MATH | R_KERNEL}, {"fmin", R_HOST_MATH | R_KERNEL}, {"fmod", R_HOST_MATH | R_KERNEL},
    {"for", R_CUDA | R_HOST | R_VAR}, {"fpclassify", R_HOST}, {"fprintf", R_HOST}, {"fputc", R_HOST},
    {"fputs", R_HOST}, {"frame", R_HOST | R_VAR}, {"free", R_HOST | R_KERNEL},
    {"frexp", R_HOST_MATH | R_KERNEL}, {"friend", R_CUDA | R_VAR}, {"gamma", R_HOST},
    {"goto", R_CUDA | R_HOST | R_VAR}, {"grid", R_VAR}, {"hypot", R_HOST_MATH},
    {"if", R_CUDA | R_HOST | R_VAR}, {"ilogb", R_HOST_MATH}, {"inline", R_CUDA | R_HOST | R_VAR},
    {"int", R_CUDA | R_HOST | R_VAR}, {"int16_t", R_CUDA | R_HOST | R_VAR},
    {"int32_t", R_CUDA | R_HOST | R_VAR}, {"int64_t", R_CUDA | R_HOST | R_VAR},
    {"int8_t", R_CUDA | R_HOST | R_VAR}, {"intptr_t", R_VAR}, {"isalpha", R_HOST}, {"isdigit", R_HOST},
    {"isfinite", R_HOST}, {"isinf", R_HOST}, {"isnan", R_HOST}, {"isspace", R_HOST}, {"j0", R_HOST},
    {"j1", R_HOST}, {"jn", R_HOST}, {"labs", R_HOST | R_KERNEL}, {"ldexp", R_HOST_MATH | R_KERNEL},
    {"lgamma", R_HOST_MATH}, {"llabs", R_HOST}, {"llrint", R_HOST_MATH}, {"llround", R_HOST_MATH},
    {"log", R_HOST_MATH}, {"log10", R_HOST_MATH | R_KERNEL}, {"log1p", R_HOST_MATH},
    {"log2", R_HOST_MATH | R_KERNEL}, {"logb", R_HOST_MATH}, {"long", R_CUDA | R_HOST | R_VAR},
    {"lrint", R_HOST_MATH}, {"lround", R_HOST_MATH}, {"main", R_CUDA | R_HOST | R_KERNEL | R_VAR},
    {"malloc", R_HOST | R_KERNEL}, {"memchr", R_HOST}, {"memcmp", R_HOST}, {"memcpy", R_HOST | R_KERNEL},
    {"memmove", R_HOST}, {"memset", R_HOST | R_KERNEL}, {"modf", R_HOST_MATH | R_KERNEL},
    {"mutable", R_CUDA | R_VAR}, {"namespace", R_CUDA | R_VAR}, {"nan", R_HOST_MATH},
    {"nearbyint", R_HOST_MATH}, {"new", R_CUDA | R_VAR}, {"nextafter", R_HOST_MATH},
    {"nexttoward", R_HOST_MATH}, {"noexcept", R_CUDA | R_VAR}, {"not", R_CUDA | R_VAR},
    {"not_eq", R_CUDA | R_VAR}, {"nullptr", R_CUDA | R_VAR}, {"offsetof", R_HOST},
    {"operator", R_CUDA | R_VAR}, {"or", R_CUDA | R_VAR}, {"or_eq", R_CUDA | R_VAR},
    {"pow", R_HOST_MATH | R_KERNEL}, {"pow10", R_HOST}, {"printf", R_HOST | R_KERNEL},
    {"private", R_CUDA | R_VAR}, {"protected", R_CUDA}, {"ptrdiff_t", R_HOST | R_VAR},
    {"public", R_CUDA | R_VAR}, {"putchar", R_HOST}, {"puts", R_HOST | R_KERNEL}, {"qsort", R_HOST},
    {"realloc", R_HOST | R_KERNEL}, {"register", R_CUDA | R_HOST | R_VAR}, {"reinterpret_cast", R_CUDA},
    {"remainder", R_HOST_MATH}, {"remquo", R_HOST_MATH}, {"requires", R_CUDA},
    {"restrict", R_CUDA | R_HOST | R_VAR}, {"return", R_CUDA | R_HOST | R_VAR},
    {"rint", R_HOST_MATH | R_KERNEL}, {"round", R_HOST_MATH | R_KERNEL}, {"scalb", R_HOST},
    {"scalbln", R_HOST_MATH}, {"scalbn", R_HOST_MATH}, {"scanf", R_HOST}, {"short", R_CUDA | R_HOST | R_VAR},
    {"signbit", R_HOST}, {"signed", R_CUDA | R_HOST | R_VAR}, {"significand", R_HOST},
    {"sin", R_HOST_MATH | R_KERNEL}, {"sincos", R_HOST}, {"sinh", R_HOST_MATH | R_KERNEL},
    {"size_t", R_CUDA | R_HOST | R_VAR}, {"sizeof", R_CUDA | R_HOST | R_VAR}, {"snprintf", R_HOST},
    {"sprintf", R_HOST}, {"sqrt", R_HOST_MATH}, {"sscanf", R_HOST}, {"static", R_CUDA | R_HOST | R_VAR},
    {"static_assert", R_CUDA | R_VAR}, {"static_cast", R_CUDA}, {"std", R_CUDA | R_VAR}, {"strcat", R_HOST},
    {"strchr", R_HOST}, {"strcmp", R_HOST}, {"strcpy", R_HOST}, {"strdup", R_HOST}, {"stream", R_VAR},
    {"strlen", R_HOST | R_KERNEL}, {"strncat", R_HOST}, {"strncmp", R_HOST}, {"strncpy", R_HOST},
    {"strrchr", R_HOST}, {"strstr", R_HOST}, {"strtol", R_HOST}, {"struct", R_CUDA | R_HOST | R_VAR},
    {"switch", R_CUDA | R_HOST | R_VAR}, {"tan", R_HOST_MATH | R_KERNEL}, {"tanh", R_HOST_MATH},
    {"template", R_CUDA | R_VAR}, {"tgamma", R_HOST_MATH}, {"this", R_CUDA | R_VAR},
    {"thread_local", R_CUDA | R_VAR}, {"throw", R_CUDA | R_VAR}, {"tid", R_HOST | R_VAR}, {"tolower", R_HOST},
    {"toupper", R_HOST}, {"true", R_CUDA | R_HOST | R_VAR}, {"trunc", R_HOST_MATH | R_KERNEL},
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
    return R_VAR | R_KERNEL;
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

bool reserved_kernel_name(const char *name) {
  return strncmp(name, "hdt_", 4) == 0 || strncmp(name, "cuda", 4) == 0 || reserved_as(name, R_KERNEL);
}
