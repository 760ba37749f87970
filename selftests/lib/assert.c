// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libbypass/assert.h>

void __util_fail(const char *file, int line, const char *func,
		 const char *expr, int err, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "# %s:%d: %s(): ", file, line, func);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (expr)
		fprintf(stderr, ": %s failed, errno %d (%s)", expr, err,
			strerror(err));
	fputc('\n', stderr);
	fflush(stderr);
	abort();
}
