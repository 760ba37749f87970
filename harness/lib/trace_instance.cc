// SPDX-License-Identifier: GPL-2.0-only
#include "trace_instance.h"

#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

#include "sysfs.h"

namespace irqbypass {

namespace {

constexpr const char *kTracefs = "/sys/kernel/tracing";

} // namespace

TraceInstance::TraceInstance(const std::string &name)
    : path_(std::string(kTracefs) + "/instances/" + name)
{
	if (access((std::string(kTracefs) + "/instances").c_str(), F_OK))
		throw std::system_error(errno, std::generic_category(),
					std::string(kTracefs) + " (tracefs mounted?)");
	if (mkdir(path_.c_str(), 0700) && errno != EEXIST)
		throw std::system_error(errno, std::generic_category(), "mkdir " + path_);
	pipe_ = Fd(open((path_ + "/trace_pipe").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
	if (!pipe_) {
		int err = errno;

		rmdir(path_.c_str());
		throw std::system_error(err, std::generic_category(), path_ + "/trace_pipe");
	}
}

TraceInstance::~TraceInstance()
{
	for (const std::string &e : enabled_)
		sysfs_write(path_ + "/events/" + e + "/enable", "0");
	pipe_ = Fd();
	rmdir(path_.c_str());
}

bool TraceInstance::enable(const std::string &event)
{
	if (sysfs_write(path_ + "/events/" + event + "/enable", "1"))
		return false;
	enabled_.push_back(event);
	return true;
}

std::vector<std::string> TraceInstance::read(int timeout_ms)
{
	std::vector<std::string> lines;
	struct pollfd p = { pipe_.get(), POLLIN, 0 };
	char buf[8192];
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return lines;
	while ((n = ::read(pipe_.get(), buf, sizeof(buf))) > 0)
		partial_.append(buf, n);
	for (size_t nl; (nl = partial_.find('\n')) != std::string::npos;) {
		lines.push_back(partial_.substr(0, nl));
		partial_.erase(0, nl + 1);
	}
	return lines;
}

} // namespace irqbypass
