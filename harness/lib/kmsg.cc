// SPDX-License-Identifier: GPL-2.0-only
#include "kmsg.h"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace irqbypass {

Kmsg::Kmsg(bool whole_log) : fd_(open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC))
{
	if (!whole_log)
		lseek(fd_.get(), 0, SEEK_END);
}

std::string Kmsg::read_new()
{
	std::string out;
	char buf[8192];

	/* One record per read; EPIPE: records were overwritten, go on. */
	for (;;) {
		ssize_t n = read(fd_.get(), buf, sizeof(buf));

		if (n > 0)
			out.append(buf, n);
		else if (n < 0 && errno == EPIPE)
			continue;
		else
			break;
	}
	return out;
}

} // namespace irqbypass
