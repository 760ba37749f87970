// SPDX-License-Identifier: GPL-2.0-only
#include "sysfs.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

#include "fd.h"

namespace irqbypass {

std::string sysfs_line(const std::string &path)
{
	std::ifstream in(path);
	std::string s;

	std::getline(in, s);
	return s;
}

int sysfs_write(const std::string &path, const std::string &s)
{
	Fd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));

	if (!fd)
		return errno;
	if (write(fd.get(), s.data(), s.size()) != (ssize_t)s.size())
		return errno;
	return 0;
}

void sysfs_write_or_throw(const std::string &path, const std::string &s)
{
	int err = sysfs_write(path, s);

	if (err) {
		errno = err;
		throw_errno("write " + path);
	}
}

std::vector<std::string> dir_entries(const std::string &dir)
{
	std::vector<std::string> out;
	DIR *d = opendir(dir.c_str());

	if (!d)
		return out;
	while (struct dirent *de = readdir(d)) {
		std::string name = de->d_name;

		if (name != "." && name != "..")
			out.push_back(name);
	}
	closedir(d);
	std::sort(out.begin(), out.end());
	return out;
}

std::vector<std::string> file_lines(const std::string &path)
{
	std::ifstream in(path);
	std::vector<std::string> out;
	std::string s;

	while (std::getline(in, s))
		if (!s.empty())
			out.push_back(s);
	return out;
}

std::vector<std::string> debugfs_lines(const std::string &file)
{
	return file_lines("/sys/kernel/debug/irqbypass/" + file);
}

KeyValues::KeyValues(const std::string &line) : line_(line)
{
	std::istringstream in(line);
	std::string word;

	while (in >> word) {
		size_t eq = word.find('=');

		if (eq == std::string::npos)
			words_.push_back(word);
		else
			values_[word.substr(0, eq)] = word.substr(eq + 1);
	}
}

void KeyValues::fail(const std::string &why) const
{
	throw std::runtime_error(why + " in \"" + line_ + "\"");
}

const std::string &KeyValues::str(const std::string &key) const
{
	auto it = values_.find(key);

	if (it == values_.end())
		fail("no " + key + "=");
	return it->second;
}

std::uint64_t KeyValues::num(const std::string &key) const
{
	const std::string &s = str(key);
	char *end;
	unsigned long long v = strtoull(s.c_str(), &end, 10);

	if (s.empty() || *end)
		fail(key + "=" + s + " is not a number");
	return v;
}

} // namespace irqbypass
