/* SPDX-License-Identifier: GPL-2.0-only */
/* How the kselftest library fails a test. */
#ifndef LIBBYPASS_ASSERT_H
#define LIBBYPASS_ASSERT_H

#include <stdio.h>
#include <stdlib.h>

/*
 * Aborts the test, saying why: a reading that is missing must fail the
 * test, never stand in as a value a comparison could accept.
 */
#define util_fail(fmt, ...) do {					\
	fprintf(stderr, "# %s: " fmt "\n", __func__, ##__VA_ARGS__);	\
	abort();							\
} while (0)

#endif /* LIBBYPASS_ASSERT_H */
