/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's files from user space: a write to a sysfs or debugfs file,
 * a number of a debugfs file of key=value lines, a counter of the
 * manager's debugfs stats (Documentation/tracing.md).
 */
#ifndef LIBBYPASS_DEBUGFS_H
#define LIBBYPASS_DEBUGFS_H

/* Writes @s to @path in one write: 0 or -errno. */
int write_str(const char *path, const char *s);

/* The number after " @key=" on line @index of @path; aborts if missing. */
long long kv_field(const char *path, int index, const char *key);

/* A line of the manager's debugfs stats; aborts if missing. */
long long manager_stat(const char *key);

#endif /* LIBBYPASS_DEBUGFS_H */
