/* errors.c: the runtime's statuses and the calling thread's last error.
 *
 * Every public call returns a status; the message goes to a thread-local
 * buffer that hdtrt_last_error returns, as with errno and dlerror: the
 * calls that fail before any handle exists (compile, load, create) report
 * the same way as the others, and two threads never see each other's
 * messages. */
#include "model.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_error[1024];

hdtrt_status hdtrt_fail(hdtrt_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
  return s;
}

const char *hdtrt_last_error(void) { return last_error; }

const char *hdtrt_status_name(hdtrt_status s) {
  switch (s) {
  case HDTRT_OK: return "HDTRT_OK";
  case HDTRT_ERROR_INVALID_ARGUMENT: return "HDTRT_ERROR_INVALID_ARGUMENT";
  case HDTRT_ERROR_SHAPE: return "HDTRT_ERROR_SHAPE";
  case HDTRT_ERROR_UNSUPPORTED: return "HDTRT_ERROR_UNSUPPORTED";
  case HDTRT_ERROR_COMPILE: return "HDTRT_ERROR_COMPILE";
  case HDTRT_ERROR_NO_DEVICE: return "HDTRT_ERROR_NO_DEVICE";
  case HDTRT_ERROR_DEVICE: return "HDTRT_ERROR_DEVICE";
  case HDTRT_ERROR_IO: return "HDTRT_ERROR_IO";
  case HDTRT_ERROR_CORRUPT: return "HDTRT_ERROR_CORRUPT";
  case HDTRT_ERROR_UNBOUND: return "HDTRT_ERROR_UNBOUND";
  case HDTRT_ERROR_NOMEM: return "HDTRT_ERROR_NOMEM";
  }
  return "HDTRT_(unknown status)";
}
