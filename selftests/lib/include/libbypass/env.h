/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The environment a program is run with (selftests/kselftests.list):
 * cycles, seeds, lengths.
 */
#ifndef LIBBYPASS_ENV_H
#define LIBBYPASS_ENV_H

/*
 * The number in environment variable @name, or @def if it is not set;
 * fails the test if it is set to anything but a number.
 */
long long env_number(const char *name, long long def);

#endif /* LIBBYPASS_ENV_H */
