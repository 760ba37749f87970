// SPDX-License-Identifier: GPL-2.0
// Small files of sysfs, debugfs and procfs, read and written whole.
#pragma once

#include <string>
#include <vector>

namespace irqbypass {

// The first line of @path, "" if it cannot be read.
std::string sysfs_line(const std::string &path);
// 0 or the errno of writing @s to @path in one write().
int sysfs_write(const std::string &path, const std::string &s);
// As sysfs_write(), throwing on failure.
void sysfs_write_or_throw(const std::string &path, const std::string &s);
// The names in directory @dir but "." and "..", sorted; none if absent.
std::vector<std::string> dir_entries(const std::string &dir);
// The non-empty lines of /sys/kernel/debug/irqbypass/<file>, the
// manager's view (Documentation/tracing.md).
std::vector<std::string> debugfs_lines(const std::string &file);

} // namespace irqbypass
