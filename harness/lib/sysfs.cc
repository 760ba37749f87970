// SPDX-License-Identifier: GPL-2.0
#include "sysfs.h"

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
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

std::vector<std::string> debugfs_lines(const std::string &file)
{
	std::ifstream in("/sys/kernel/debug/irqbypass/" + file);
	std::vector<std::string> out;
	std::string s;

	while (std::getline(in, s))
		if (!s.empty())
			out.push_back(s);
	return out;
}

} // namespace irqbypass
