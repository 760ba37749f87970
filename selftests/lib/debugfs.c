// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libbypass/assert.h>
#include <libbypass/debugfs.h>

int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

long long kv_field(const char *path, int index, const char *key)
{
	char line[512], want[32], *end;
	long long v;
	FILE *f = fopen(path, "r");
	int n = 0;

	util_check(f, "open %s", path);
	snprintf(want, sizeof(want), " %s=", key);
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, want);

		if (n++ != index)
			continue;
		fclose(f);
		if (!p)
			util_fail("%s line %d: no key %s", path, index, key);
		v = strtoll(p + strlen(want), &end, 10);
		if (end == p + strlen(want))
			util_fail("%s line %d: %s is not a number", path, index, key);
		return v;
	}
	fclose(f);
	util_fail("%s: no line %d", path, index);
}

long long manager_stat(const char *key)
{
	const char *path = "/sys/kernel/debug/irqbypass/stats";
	char line[128], *end;
	FILE *f = fopen(path, "r");
	size_t len = strlen(key);
	long long v;

	util_check(f, "open %s", path);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, len) && line[len] == ' ') {
			fclose(f);
			v = strtoll(line + len, &end, 10);
			if (end == line + len)
				util_fail("%s: %s is not a number", path, key);
			return v;
		}
	}
	fclose(f);
	util_fail("%s: no counter %s", path, key);
}
