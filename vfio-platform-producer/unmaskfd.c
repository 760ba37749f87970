// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unmask eventfds of vfio_platform_producer's lines: a signal on one
 * unmasks its line, as VFIO's virqfd (drivers/vfio/virqfd.c) does for
 * vfio-platform. Behaviour: Documentation/vfio-platform-producer.md
 */

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "producer.h"

/* Unmask eventfds released because their eventfd was closed. */
static struct workqueue_struct *vplp_unmaskfd_wq;

/*
 * An unmask eventfd: a signal on it unmasks its line. Attached to the line
 * (vplp_line.unmaskfd) from the ioctl until it is removed, the device is
 * closed or unbound, or the eventfd is closed; whoever detaches it frees it
 * (a close, through @shutdown on vplp_wq). Until it is off the eventfd's wait
 * queue, @line stays valid: vplp_release_irqs() flushes vplp_wq.
 */
struct vplp_unmaskfd {
	struct vplp_line *line;
	struct eventfd_ctx *eventfd;
	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct shutdown;
};

static void vplp_unmaskfd_free(struct vplp_unmaskfd *ufd)
{
	u64 cnt;

	eventfd_ctx_remove_wait_queue(ufd->eventfd, &ufd->wait, &cnt);
	eventfd_ctx_put(ufd->eventfd);
	kfree(ufd);
}

static void vplp_unmaskfd_shutdown(struct work_struct *work)
{
	vplp_unmaskfd_free(container_of(work, struct vplp_unmaskfd, shutdown));
}

/* The eventfd's wake-up, in atomic context under its wait queue lock. */
static int vplp_unmaskfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
				int sync, void *key)
{
	struct vplp_unmaskfd *ufd = container_of(wait, struct vplp_unmaskfd,
						 wait);
	struct vplp_line *line = ufd->line;
	__poll_t events = key_to_poll(key);
	unsigned long flags;
	u64 cnt;

	if (events & EPOLLIN) {
		eventfd_ctx_do_read(ufd->eventfd, &cnt);
		spin_lock_irqsave(&line->lock, flags);
		if (line->unmaskfd == ufd)
			vplp_unmask_locked(line);
		spin_unlock_irqrestore(&line->lock, flags);
	}

	if (events & EPOLLHUP) {
		spin_lock_irqsave(&line->lock, flags);
		if (line->unmaskfd == ufd) {
			line->unmaskfd = NULL;
			queue_work(vplp_unmaskfd_wq, &ufd->shutdown);
		}
		spin_unlock_irqrestore(&line->lock, flags);
	}
	return 0;
}

static void vplp_unmaskfd_queue(struct file *file, wait_queue_head_t *wqh,
				poll_table *pt)
{
	struct vplp_unmaskfd *ufd = container_of(pt, struct vplp_unmaskfd, pt);

	add_wait_queue(wqh, &ufd->wait);
}

/**
 * vplp_unmaskfd_attach - give a line an unmask eventfd
 * @line: the line
 * @fd: the eventfd's file descriptor
 *
 * A signal already pending on the eventfd unmasks the line at once.
 *
 * Return: 0, or in vfio_virqfd_enable()'s order -ENOMEM, -EBADF, -EINVAL
 * (not an eventfd), -EBUSY (the line has one).
 */
int vplp_unmaskfd_attach(struct vplp_line *line, int fd)
{
	struct vplp_unmaskfd *ufd;
	struct eventfd_ctx *ctx;
	__poll_t events;
	struct fd f;
	int ret = 0;

	ufd = kzalloc(sizeof(*ufd), GFP_KERNEL_ACCOUNT);
	if (!ufd)
		return -ENOMEM;
	ufd->line = line;
	INIT_WORK(&ufd->shutdown, vplp_unmaskfd_shutdown);
	init_waitqueue_func_entry(&ufd->wait, vplp_unmaskfd_wakeup);
	init_poll_funcptr(&ufd->pt, vplp_unmaskfd_queue);

	f = fdget(fd);
	if (!fd_file(f)) {
		ret = -EBADF;
		goto err_free;
	}
	ctx = eventfd_ctx_fileget(fd_file(f));
	if (IS_ERR(ctx)) {
		ret = PTR_ERR(ctx);
		goto err_fdput;
	}
	ufd->eventfd = ctx;

	spin_lock_irq(&line->lock);
	if (line->unmaskfd)
		ret = -EBUSY;
	else
		line->unmaskfd = ufd;
	spin_unlock_irq(&line->lock);
	if (ret)
		goto err_put;

	/* The file is held: its close, and EPOLLHUP, come after this. */
	events = vfs_poll(fd_file(f), &ufd->pt);
	/* A signal already pending unmasks now, as VFIO's virqfd does. */
	if (events & EPOLLIN)
		vplp_unmask(line);
	fdput(f);
	return 0;

err_put:
	eventfd_ctx_put(ctx);
err_fdput:
	fdput(f);
err_free:
	kfree(ufd);
	return ret;
}

/**
 * vplp_unmaskfd_detach - remove a line's unmask eventfd, if any
 * @line: the line
 *
 * On return it is off its eventfd's wait queue and freed.
 */
void vplp_unmaskfd_detach(struct vplp_line *line)
{
	struct vplp_unmaskfd *ufd;

	spin_lock_irq(&line->lock);
	ufd = line->unmaskfd;
	line->unmaskfd = NULL;
	spin_unlock_irq(&line->lock);

	if (ufd)
		vplp_unmaskfd_free(ufd);
}

/**
 * vplp_unmaskfd_flush - wait for the unmask eventfds a close released
 *
 * On return, every unmask eventfd detached by a close of its eventfd is
 * off that eventfd's wait queue and freed.
 */
void vplp_unmaskfd_flush(void)
{
	flush_workqueue(vplp_unmaskfd_wq);
}

/**
 * vplp_unmaskfd_init - module init of the unmask eventfds
 *
 * Return: 0 or -ENOMEM.
 */
int vplp_unmaskfd_init(void)
{
	vplp_unmaskfd_wq = alloc_workqueue("vfio-platform-producer", WQ_UNBOUND, 0);
	return vplp_unmaskfd_wq ? 0 : -ENOMEM;
}

/**
 * vplp_unmaskfd_exit - module exit of the unmask eventfds, once every
 * device is unbound
 */
void vplp_unmaskfd_exit(void)
{
	destroy_workqueue(vplp_unmaskfd_wq);
}
