// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>

#include <libbypass/assert.h>
#include <libbypass/env.h>

long long env_number(const char *name, long long def)
{
	const char *s = getenv(name);
	char *end;
	long long v;

	if (!s)
		return def;
	v = strtoll(s, &end, 0);
	if (end == s || *end)
		util_fail("%s=%s is not a number", name, s);
	return v;
}
