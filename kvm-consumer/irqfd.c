// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-consumer irqfds: eventfd wake-ups, injection through the host and
 * its counting, resamplefds and the guest's completions, as KVM's
 * virt/kvm/eventfd.c. Their bypass is bypass.c's.
 * Behaviour, modes and reasons: Documentation/kvm-consumer.md
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/seq_file.h>
#include <linux/file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include <irqbypass/compat.h>

#include "kvm_consumer.h"

/* Tear-downs started by an eventfd being closed, on any CPU. */
static struct workqueue_struct *kc_wq;

/*
 * The eventfds of every irqfd, in every VM: an eventfd is the eventfd of
 * one irqfd, or the resamplefd of any number of them, never both, so that
 * no guest's completion signals an irqfd and no loop of completions can
 * form between VMs (Documentation/kvm-consumer.md). Maps an eventfd
 * context to its irqfd, or a resamplefd's to xa_mk_value(its users).
 * Taken under a VM's lock.
 */
static DEFINE_MUTEX(kc_eventfds_lock);
static DEFINE_XARRAY(kc_eventfds);

/* Whether @irqfd's eventfds may join the index: 0, -EBUSY or -EINVAL. */
static int kc_eventfds_check(const struct kc_irqfd *irqfd)
{
	void *e = xa_load(&kc_eventfds, (unsigned long)irqfd->eventfd);

	lockdep_assert_held(&kc_eventfds_lock);

	if (e)
		return xa_is_value(e) ? -EINVAL : -EBUSY;
	if (irqfd->resamplefd) {
		e = xa_load(&kc_eventfds, (unsigned long)irqfd->resamplefd);
		if (e && !xa_is_value(e))
			return -EINVAL;
	}
	return 0;
}

static int kc_eventfds_add(struct kc_irqfd *irqfd)
{
	unsigned long efd = (unsigned long)irqfd->eventfd;
	unsigned long rfd = (unsigned long)irqfd->resamplefd;
	void *e;
	int ret;

	lockdep_assert_held(&kc_eventfds_lock);

	ret = xa_insert(&kc_eventfds, efd, irqfd, GFP_KERNEL);
	if (ret || !rfd)
		return ret;
	e = xa_load(&kc_eventfds, rfd);
	ret = xa_err(xa_store(&kc_eventfds, rfd,
			      xa_mk_value(e ? xa_to_value(e) + 1 : 1),
			      GFP_KERNEL));
	if (ret)
		xa_erase(&kc_eventfds, efd);
	return ret;
}

static void kc_eventfds_del(struct kc_irqfd *irqfd)
{
	unsigned long rfd = (unsigned long)irqfd->resamplefd;
	unsigned long users;

	mutex_lock(&kc_eventfds_lock);
	xa_erase(&kc_eventfds, (unsigned long)irqfd->eventfd);
	if (rfd) {
		users = xa_to_value(xa_load(&kc_eventfds, rfd));
		/* Replacing an entry allocates nothing. */
		if (users > 1)
			xa_store(&kc_eventfds, rfd, xa_mk_value(users - 1),
				 GFP_KERNEL);
		else
			xa_erase(&kc_eventfds, rfd);
	}
	mutex_unlock(&kc_eventfds_lock);
}

/*
 * A level interrupt is in service until the guest completes it: by
 * deactivating the irq if it is forwarded, else through the resamplefd.
 * Forwarded is the irq's state when it fired: a route is only ever
 * published level while its irqfd forwards (kc_irqfd_routes_changing()).
 * The guest completes at once unless its GSI holds them (KC_GUEST_EOI).
 */
static void kc_level_injected(struct kc_irqfd *irqfd)
{
	struct kc_gsi_stats *stats = &irqfd->vm->stats[irqfd->gsi];

	if (READ_ONCE(irqfd->forwarded))
		atomic_inc(&irqfd->undeactivated);
	else if (irqfd->resamplefd)
		atomic_inc(&irqfd->unresampled);
	else
		return;
	if (!READ_ONCE(stats->hold))
		schedule_work(&irqfd->resample);
}

/**
 * kc_inject - one interrupt through the host path
 * @irqfd: the irqfd, whose GSI's current route says where
 */
void kc_inject(struct kc_irqfd *irqfd)
{
	struct kc_gsi_stats *stats = &irqfd->vm->stats[irqfd->gsi];
	const struct kc_route *route;

	rcu_read_lock();
	route = kc_route_find(rcu_dereference(irqfd->vm->routes), irqfd->gsi);
	if (route) {
		atomic64_inc(&stats->injections);
		if (route->level || READ_ONCE(irqfd->forwarded))
			kc_level_injected(irqfd);
	} else {
		/* As KVM: a GSI without a route delivers nothing. */
		atomic64_inc(&stats->dropped);
	}
	rcu_read_unlock();
}

/*
 * An eventfd count of @cnt signals, read under the eventfd's lock: one
 * injection, the others merged into it; held while the consumer is
 * stopped.
 */
static void kc_take_count(struct kc_irqfd *irqfd, u64 cnt)
{
	lockdep_assert_held(&irqfd->wqh->lock);

	if (!cnt)
		return;
	if (cnt > 1)
		atomic64_add(cnt - 1, &irqfd->vm->stats[irqfd->gsi].coalesced);
	if (irqfd->quiesced)
		irqfd->held++;
	else
		kc_inject(irqfd);
}

/*
 * Complete one level interrupt in service, if any; false if none. The
 * count of forwarded ones drops under mode_lock, so that leaving
 * forwarding (which drains the count) cannot miss one taken here.
 */
static bool kc_complete_one(struct kc_irqfd *irqfd)
{
	mutex_lock(&irqfd->mode_lock);
	if (atomic_dec_if_positive(&irqfd->undeactivated) >= 0) {
		kc_deactivate(irqfd);
		mutex_unlock(&irqfd->mode_lock);
		return true;
	}
	mutex_unlock(&irqfd->mode_lock);
	if (atomic_dec_if_positive(&irqfd->unresampled) >= 0) {
		atomic64_inc(&irqfd->vm->stats[irqfd->gsi].resamples);
		irqbp_eventfd_signal(irqfd->resamplefd);
		return true;
	}
	return false;
}

/*
 * The consumer's stop and start: no injection in between, none lost. Both
 * take the eventfd's wait queue lock, which the wake-up runs under: stop
 * returns once a wake-up under way is done, and a wake-up sees quiesced
 * and held as start left them.
 */
static void kc_stop(struct irq_bypass_consumer *cons)
{
	struct kc_irqfd *irqfd = container_of(cons, struct kc_irqfd, consumer);
	unsigned long flags;

	spin_lock_irqsave(&irqfd->wqh->lock, flags);
	irqfd->quiesced = true;
	spin_unlock_irqrestore(&irqfd->wqh->lock, flags);
}

static void kc_start(struct irq_bypass_consumer *cons)
{
	struct kc_irqfd *irqfd = container_of(cons, struct kc_irqfd, consumer);
	unsigned long flags;

	spin_lock_irqsave(&irqfd->wqh->lock, flags);
	irqfd->quiesced = false;
	for (; irqfd->held; irqfd->held--)
		kc_inject(irqfd);
	spin_unlock_irqrestore(&irqfd->wqh->lock, flags);
}

/* The guest's immediate EOIs: eventfd_signal() cannot nest in a wake-up. */
static void kc_resample_work(struct work_struct *work)
{
	struct kc_irqfd *irqfd = container_of(work, struct kc_irqfd, resample);

	while (kc_complete_one(irqfd))
		;
}

/* Called with vm->lock held: unlink @irqfd and stop its deliveries. */
static void kc_irqfd_detach(struct kc_irqfd *irqfd)
{
	u64 cnt;

	lockdep_assert_held(&irqfd->vm->lock);

	irqfd->dead = true;
	list_del_init(&irqfd->link);
	irqfd->vm->nr_irqfds--;
	kc_eventfds_del(irqfd);
	if (irqfd->registered)
		irq_bypass_unregister_consumer(&irqfd->consumer);
	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &cnt);
}

/*
 * After kc_irqfd_detach(), without vm->lock: release what it holds. The
 * guest is gone: it completes what it still had in service, so that no
 * producer is left waiting for an unmask.
 */
static void kc_irqfd_free(struct kc_irqfd *irqfd)
{
	cancel_work_sync(&irqfd->resample);
	while (kc_complete_one(irqfd))
		;
	eventfd_ctx_put(irqfd->eventfd);
	if (irqfd->resamplefd)
		eventfd_ctx_put(irqfd->resamplefd);
	mutex_destroy(&irqfd->mode_lock);
	kfree(irqfd);
}

static void kc_shutdown_work(struct work_struct *work)
{
	struct kc_irqfd *irqfd = container_of(work, struct kc_irqfd, shutdown);
	struct kc_vm *vm = irqfd->vm;
	bool mine;

	mutex_lock(&vm->lock);
	mine = !irqfd->dead;
	if (mine)
		kc_irqfd_detach(irqfd);
	mutex_unlock(&vm->lock);

	/* Otherwise whoever detached it frees it, after cancelling us. */
	if (mine)
		kc_irqfd_free(irqfd);
}

/*
 * The eventfd's wake-up, in atomic context under its wait queue lock.
 * Returns 1 when it consumed the count: as a priority waiter, the other
 * waiters then are not woken for signals already taken (as KVM's irqfd).
 */
static int kc_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			   int sync, void *key)
{
	struct kc_irqfd *irqfd = container_of(wait, struct kc_irqfd, wait);
	__poll_t flags = key_to_poll(key);
	int ret = 0;
	u64 cnt;

	if (flags & EPOLLIN) {
		eventfd_ctx_do_read(irqfd->eventfd, &cnt);
		kc_take_count(irqfd, cnt);
		ret = 1;
	}
	if (flags & EPOLLHUP)
		queue_work(kc_wq, &irqfd->shutdown);
	return ret;
}

/*
 * The eventfd's only priority waiter, exclusive, as KVM's irqfd since 6.15
 * (add_wait_queue_priority_exclusive()): returning 1 from the wake-up then
 * stops the other waiters on every kernel, where 6.15 made plain priority
 * waiters non-exclusive; and a second one, which would never see a signal
 * the first consumed, is refused. Written here so every kernel has it.
 */
static int kc_add_priority_waiter(wait_queue_head_t *wqh,
				  wait_queue_entry_t *wait)
{
	unsigned long flags;
	int ret = 0;

	wait->flags |= WQ_FLAG_EXCLUSIVE | WQ_FLAG_PRIORITY;
	spin_lock_irqsave(&wqh->lock, flags);
	if (!list_empty(&wqh->head) &&
	    list_first_entry(&wqh->head, wait_queue_entry_t, entry)->flags &
	    WQ_FLAG_PRIORITY)
		ret = -EBUSY;
	else
		__add_wait_queue(wqh, wait);
	spin_unlock_irqrestore(&wqh->lock, flags);
	return ret;
}

static void kc_irqfd_queue(struct file *file, wait_queue_head_t *wqh,
			   poll_table *pt)
{
	struct kc_irqfd *irqfd = container_of(pt, struct kc_irqfd, pt);

	irqfd->wqh = wqh;
	irqfd->queued = kc_add_priority_waiter(wqh, &irqfd->wait);
}

/**
 * kc_irqfd_find - the live irqfd of a GSI
 * @vm: the VM, with its lock held
 * @gsi: the GSI
 *
 * Return: the first irqfd assigned to @gsi, or NULL.
 */
struct kc_irqfd *kc_irqfd_find(struct kc_vm *vm, u32 gsi)
{
	struct kc_irqfd *irqfd;

	lockdep_assert_held(&vm->lock);
	list_for_each_entry(irqfd, &vm->irqfds, link)
		if (irqfd->gsi == gsi)
			return irqfd;
	return NULL;
}

static struct eventfd_ctx *kc_eventfd_get(int fd, struct file **filep)
{
	struct eventfd_ctx *ctx;
	struct file *file = fget(fd);

	if (!file)
		return ERR_PTR(-EBADF);
	ctx = eventfd_ctx_fileget(file);
	if (IS_ERR(ctx) || !filep)
		fput(file);
	else
		*filep = file;
	return ctx;
}

/**
 * kc_irqfd_assign - KVM_IRQFD without DEASSIGN
 * @vm: the VM
 * @args: fd (an eventfd), gsi, flags (0 or KVM_IRQFD_FLAG_RESAMPLE with
 *	resamplefd)
 *
 * Return: 0; -EINVAL for bad flags or GSI, an fd that is not an eventfd,
 * a resamplefd that is the eventfd of an irqfd of any VM (this one's
 * included) or an eventfd that is the resamplefd of one (completions
 * would signal irqfds, in a loop at worst); -EBADF for a closed fd;
 * -EBUSY if the eventfd is already an irqfd's, in any VM, or has another
 * priority waiter (KVM's irqfd); -ENOSPC if @vm has
 * KC_MAX_IRQFDS; -ENOMEM. The IRQ bypass registration may fail without
 * failing the
 * assignment, as in KVM: the irqfd then works without bypass.
 */
int kc_irqfd_assign(struct kc_vm *vm, const struct kvm_irqfd *args)
{
	struct kc_irqfd *irqfd;
	struct file *file = NULL;
	__poll_t events;
	int ret;

	if (args->flags & ~KVM_IRQFD_FLAG_RESAMPLE || args->gsi >= KC_MAX_ROUTES ||
	    memchr_inv(args->pad, 0, sizeof(args->pad)))
		return -EINVAL;
	if (!(args->flags & KVM_IRQFD_FLAG_RESAMPLE) && args->resamplefd)
		return -EINVAL;

	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd)
		return -ENOMEM;
	irqfd->vm = vm;
	irqfd->gsi = args->gsi;
	INIT_LIST_HEAD(&irqfd->link);
	INIT_WORK(&irqfd->shutdown, kc_shutdown_work);
	INIT_WORK(&irqfd->resample, kc_resample_work);
	mutex_init(&irqfd->mode_lock);
	init_waitqueue_func_entry(&irqfd->wait, kc_irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, kc_irqfd_queue);
	irqfd->consumer.add_producer = kc_add_producer;
	irqfd->consumer.del_producer = kc_del_producer;
	irqfd->consumer.stop = kc_stop;
	irqfd->consumer.start = kc_start;

	irqfd->eventfd = kc_eventfd_get(args->fd, &file);
	if (IS_ERR(irqfd->eventfd)) {
		ret = PTR_ERR(irqfd->eventfd);
		irqfd->eventfd = NULL;
		goto err_free;
	}
	if (args->flags & KVM_IRQFD_FLAG_RESAMPLE) {
		irqfd->resamplefd = kc_eventfd_get(args->resamplefd, NULL);
		if (IS_ERR(irqfd->resamplefd)) {
			ret = PTR_ERR(irqfd->resamplefd);
			irqfd->resamplefd = NULL;
			goto err_put;
		}
	}

	ret = irqfd->resamplefd == irqfd->eventfd ? -EINVAL : 0;
	mutex_lock(&vm->lock);
	mutex_lock(&kc_eventfds_lock);
	if (!ret)
		ret = kc_eventfds_check(irqfd);
	if (!ret && vm->nr_irqfds >= KC_MAX_IRQFDS)
		ret = -ENOSPC;
	if (!ret)
		ret = kc_eventfds_add(irqfd);
	mutex_unlock(&kc_eventfds_lock);
	if (ret) {
		mutex_unlock(&vm->lock);
		goto err_put;
	}
	list_add_tail(&irqfd->link, &vm->irqfds);
	vm->nr_irqfds++;

	/*
	 * Hook the eventfd's wake-ups, and deliver what it already holds:
	 * read under the eventfd's lock, as the wake-up does, so that a
	 * signal racing this is injected once, by whichever reads it.
	 */
	events = vfs_poll(file, &irqfd->pt);
	if (irqfd->queued) {
		ret = irqfd->queued;
		list_del(&irqfd->link);
		vm->nr_irqfds--;
		kc_eventfds_del(irqfd);
		mutex_unlock(&vm->lock);
		goto err_put;
	}
	if (events & EPOLLIN) {
		unsigned long flags;
		u64 cnt;

		spin_lock_irqsave(&irqfd->wqh->lock, flags);
		eventfd_ctx_do_read(irqfd->eventfd, &cnt);
		kc_take_count(irqfd, cnt);
		spin_unlock_irqrestore(&irqfd->wqh->lock, flags);
	}

	ret = irqbp_register_consumer(&irqfd->consumer, irqfd->eventfd);
	if (ret)
		pr_info("irqfd for GSI %u has no IRQ bypass: %d\n",
			irqfd->gsi, ret);
	irqfd->registered = !ret;
	mutex_unlock(&vm->lock);
	fput(file);
	return 0;

err_put:
	fput(file);
	if (irqfd->resamplefd)
		eventfd_ctx_put(irqfd->resamplefd);
	eventfd_ctx_put(irqfd->eventfd);
err_free:
	mutex_destroy(&irqfd->mode_lock);
	kfree(irqfd);
	return ret;
}

/**
 * kc_irqfd_deassign - KVM_IRQFD with KVM_IRQFD_FLAG_DEASSIGN
 * @vm: the VM
 * @args: fd and gsi of the irqfd to remove
 *
 * Return: 0, also when no such irqfd exists (as KVM); -EINVAL for bad
 * flags; -EBADF or -EINVAL for an fd that is not an open eventfd.
 */
int kc_irqfd_deassign(struct kc_vm *vm, const struct kvm_irqfd *args)
{
	struct kc_irqfd *irqfd, *found = NULL;
	struct eventfd_ctx *ctx;

	if (args->flags & ~KVM_IRQFD_FLAG_DEASSIGN ||
	    memchr_inv(args->pad, 0, sizeof(args->pad)))
		return -EINVAL;
	ctx = kc_eventfd_get(args->fd, NULL);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	mutex_lock(&vm->lock);
	list_for_each_entry(irqfd, &vm->irqfds, link) {
		if (irqfd->eventfd == ctx && irqfd->gsi == args->gsi) {
			found = irqfd;
			kc_irqfd_detach(irqfd);
			break;
		}
	}
	mutex_unlock(&vm->lock);
	eventfd_ctx_put(ctx);

	if (found) {
		cancel_work_sync(&found->shutdown);
		kc_irqfd_free(found);
	}
	return 0;
}

/**
 * kc_irqfd_guest_eoi - KC_GUEST_EOI: the guest's completions of a level GSI
 * @vm: the VM
 * @eoi: the GSI and KC_EOI_HOLD, KC_EOI_RELEASE or 0
 *
 * HOLD makes the guest keep the GSI's level interrupts in service until
 * completed one by one with flags 0; RELEASE completes them at once again,
 * those in service included.
 *
 * Return: 0; -EINVAL for a bad GSI or flags; -ENOENT for a completion
 * with no level interrupt of the GSI in service.
 */
int kc_irqfd_guest_eoi(struct kc_vm *vm, const struct kc_guest_eoi *eoi)
{
	struct kc_irqfd *irqfd;
	int ret = 0;

	if (eoi->gsi >= KC_MAX_ROUTES ||
	    hweight32(eoi->flags & (KC_EOI_HOLD | KC_EOI_RELEASE)) > 1 ||
	    eoi->flags & ~(KC_EOI_HOLD | KC_EOI_RELEASE))
		return -EINVAL;

	mutex_lock(&vm->lock);
	if (eoi->flags) {
		WRITE_ONCE(vm->stats[eoi->gsi].hold, eoi->flags & KC_EOI_HOLD);
		if (eoi->flags & KC_EOI_RELEASE)
			list_for_each_entry(irqfd, &vm->irqfds, link)
				if (irqfd->gsi == eoi->gsi)
					schedule_work(&irqfd->resample);
	} else {
		ret = -ENOENT;
		list_for_each_entry(irqfd, &vm->irqfds, link) {
			if (irqfd->gsi == eoi->gsi && kc_complete_one(irqfd)) {
				ret = 0;
				break;
			}
		}
	}
	mutex_unlock(&vm->lock);
	return ret;
}

/**
 * kc_irqfd_release_all - tear down every irqfd of a VM being destroyed
 * @vm: the VM; no ioctl can run on it any more
 */
void kc_irqfd_release_all(struct kc_vm *vm)
{
	struct kc_irqfd *irqfd, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&vm->lock);
	list_for_each_entry_safe(irqfd, tmp, &vm->irqfds, link) {
		kc_irqfd_detach(irqfd);
		list_add_tail(&irqfd->link, &gone);
	}
	mutex_unlock(&vm->lock);

	list_for_each_entry_safe(irqfd, tmp, &gone, link) {
		cancel_work_sync(&irqfd->shutdown);
		kc_irqfd_free(irqfd);
	}
	/* Shutdowns that detached their irqfd themselves are done too. */
	flush_workqueue(kc_wq);
}

static const char *const kc_mode_names[] = {
	[KC_MODE_NONE] = "none",
	[KC_MODE_POSTED] = "posted",
	[KC_MODE_REMAPPED] = "remapped",
	[KC_MODE_FORWARDED] = "forwarded",
};

/**
 * kc_irqfds_show - one line per irqfd of every VM, for debugfs
 * @m: the seq_file
 *
 * Walks the module-wide index of irqfds, which holds an irqfd from its
 * assignment to its teardown, so that none is freed while shown.
 */
void kc_irqfds_show(struct seq_file *m)
{
	struct kc_irqfd *irqfd;
	unsigned long index;

	mutex_lock(&kc_eventfds_lock);
	xa_for_each(&kc_eventfds, index, irqfd) {
		if (xa_is_value(irqfd))
			continue;	/* a resamplefd's count of users */
		mutex_lock(&irqfd->mode_lock);
		seq_printf(m, "token=%p gsi=%u host_irq=%d mode=%s reason=%u",
			   irqfd->eventfd, irqfd->gsi,
			   irqfd->producer ? irqfd->producer->irq : -1,
			   irqfd->mode < ARRAY_SIZE(kc_mode_names) ?
			   kc_mode_names[irqfd->mode] : "?", irqfd->reason);
		if (irqfd->mode == KC_MODE_POSTED)
			seq_printf(m, " vcpu=%u vector=%u", irqfd->posted_vcpu,
				   irqfd->posted_vector);
		seq_putc(m, '\n');
		mutex_unlock(&irqfd->mode_lock);
	}
	mutex_unlock(&kc_eventfds_lock);
}

int kc_irqfd_init(void)
{
	kc_wq = alloc_workqueue("kvm-consumer", WQ_UNBOUND, 0);
	return kc_wq ? 0 : -ENOMEM;
}

void kc_irqfd_exit(void)
{
	WARN_ON(!xa_empty(&kc_eventfds));
	destroy_workqueue(kc_wq);
}
