/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How the kselftest library, and a test outside the harness's
 * ASSERT/EXPECT (a helper, a thread), fails a test: it prints where (file,
 * line, function), what failed (the expression and errno for a check, or
 * why) and aborts, which kselftest_harness.h reports as "Test terminated
 * by assertion". A reading that is missing must fail the test, never
 * stand in as a value a comparison could accept.
 */
#ifndef LIBBYPASS_ASSERT_H
#define LIBBYPASS_ASSERT_H

#include <errno.h>

void __util_fail(const char *file, int line, const char *func,
		 const char *expr, int err, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 6, 7)));

/* Fails the test, saying why in printf()'s format. */
#define util_fail(...)							\
	__util_fail(__FILE__, __LINE__, __func__, NULL, 0, __VA_ARGS__)

/*
 * Fails the test unless @cond holds, printing it, errno (the call that
 * failed set it) and what was being done, in printf()'s format.
 */
#define util_check(cond, ...) do {					\
	if (!(cond))							\
		__util_fail(__FILE__, __LINE__, __func__, #cond, errno,	\
			    __VA_ARGS__);				\
} while (0)

#endif /* LIBBYPASS_ASSERT_H */
