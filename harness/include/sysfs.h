// SPDX-License-Identifier: GPL-2.0-only
// Small files of sysfs, debugfs and procfs, read and written whole.
#pragma once

#include <cstdint>
#include <map>
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
// The non-empty lines of @path; none if it cannot be read.
std::vector<std::string> file_lines(const std::string &path);
// The non-empty lines of /sys/kernel/debug/irqbypass/<file>, the
// manager's view (Documentation/tracing.md).
std::vector<std::string> debugfs_lines(const std::string &file);

// A line of a debugfs view made of key=value words and bare words, as the
// interrupt controller model and the platform producer print them.
class KeyValues {
public:
	explicit KeyValues(const std::string &line);
	bool has(const std::string &key) const { return values_.count(key) != 0; }
	// The value of @key; throws std::runtime_error naming the line if
	// the key is absent, or for num(), if the value is not a number.
	const std::string &str(const std::string &key) const;
	std::uint64_t num(const std::string &key) const;
	bool flag(const std::string &key) const { return num(key) != 0; }
	// The words without '=', in order.
	const std::vector<std::string> &words() const { return words_; }

private:
	[[noreturn]] void fail(const std::string &why) const;

	std::string line_;
	std::map<std::string, std::string> values_;
	std::vector<std::string> words_;
};

} // namespace irqbypass
