// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-consumer: the /dev/kvm-consumer char device, one "VM" per open, and
 * its ioctls. Interface: Documentation/kvm-consumer.md
 */

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kvm_consumer.h"

MODULE_LICENSE("GPL v2");
MODULE_DESCRIPTION("irqfd-style IRQ bypass consumer with KVM-compatible ioctls");
MODULE_VERSION(IRQBYPASS_VERSION);

static int kc_open(struct inode *inode, struct file *file)
{
	struct kc_vm *vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);

	if (!vm)
		return -ENOMEM;
	vm->stats = kvcalloc(KC_MAX_ROUTES, sizeof(*vm->stats),
			     GFP_KERNEL_ACCOUNT);
	if (!vm->stats || kc_vcpus_init(vm)) {
		kvfree(vm->stats);
		kfree(vm);
		return -ENOMEM;
	}
	mutex_init(&vm->lock);
	INIT_LIST_HEAD(&vm->irqfds);
	file->private_data = vm;
	return 0;
}

static int kc_release(struct inode *inode, struct file *file)
{
	struct kc_vm *vm = file->private_data;

	kc_irqfd_release_all(vm);
	kc_vcpus_free(vm);
	kfree(rcu_dereference_protected(vm->routes, true));
	kvfree(vm->stats);
	mutex_destroy(&vm->lock);
	kfree(vm);
	return 0;
}

static long kc_set_routing(struct kc_vm *vm, void __user *argp)
{
	struct kvm_irq_routing_entry *entries = NULL;
	struct kc_routes *routes, *old;
	struct kc_routing_hdr hdr;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (hdr.flags || hdr.nr > KC_MAX_ROUTES)
		return -EINVAL;
	if (hdr.nr) {
		entries = vmemdup_user(argp + sizeof(hdr),
				       array_size(sizeof(*entries), hdr.nr));
		if (IS_ERR(entries))
			return PTR_ERR(entries);
	}
	routes = kc_routes_parse(entries, hdr.nr);
	kvfree(entries);
	if (IS_ERR(routes))
		return PTR_ERR(routes);

	mutex_lock(&vm->lock);
	kc_irqfd_routes_changing(vm, routes);
	old = rcu_replace_pointer(vm->routes, routes, lockdep_is_held(&vm->lock));
	kc_irqfd_routes_changed(vm);
	mutex_unlock(&vm->lock);

	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

static long kc_get_gsi_state(struct kc_vm *vm, void __user *argp)
{
	const struct kc_route *route;
	struct kc_gsi_state st;
	struct kc_irqfd *irqfd;

	u32 gsi;

	if (get_user(gsi, (u32 __user *)argp))
		return -EFAULT;
	if (gsi >= KC_MAX_ROUTES)
		return -EINVAL;
	memset(&st, 0, sizeof(st));
	st.gsi = gsi;
	st.host_irq = -1;

	mutex_lock(&vm->lock);
	route = kc_route_find(rcu_dereference_protected(vm->routes,
							lockdep_is_held(&vm->lock)),
			      st.gsi);
	if (route) {
		st.flags |= KC_GSI_ROUTED | (route->level ? KC_GSI_LEVEL : 0);
		st.vcpu = route->vcpu;
		st.vector = route->vector;
	}
	irqfd = kc_irqfd_find(vm, st.gsi);
	if (irqfd) {
		st.flags |= KC_GSI_IRQFD;
		if (irqfd->resamplefd)
			st.flags |= KC_GSI_RESAMPLE;
		mutex_lock(&irqfd->mode_lock);
		if (irqfd->producer) {
			st.flags |= KC_GSI_CONNECTED;
			st.host_irq = irqfd->producer->irq;
		}
		st.mode = irqfd->mode;
		st.reason = irqfd->reason;
		if (irqfd->mode == KC_MODE_POSTED &&
		    kc_vcpu_latched(vm, irqfd->posted_vcpu, irqfd->posted_vector))
			st.flags |= KC_GSI_LATCHED;
		/* Only ever seen between a stop and its start. */
		if (READ_ONCE(irqfd->held))
			st.flags |= KC_GSI_HELD;
		mutex_unlock(&irqfd->mode_lock);
	}
	list_for_each_entry(irqfd, &vm->irqfds, link)
		if (irqfd->gsi == st.gsi)
			st.in_service += atomic_read(&irqfd->undeactivated) +
					 atomic_read(&irqfd->unresampled);
	if (READ_ONCE(vm->stats[st.gsi].hold))
		st.flags |= KC_GSI_HOLD;
	st.injections = atomic64_read(&vm->stats[st.gsi].injections);
	st.posted = atomic64_read(&vm->stats[st.gsi].posted);
	st.coalesced = atomic64_read(&vm->stats[st.gsi].coalesced);
	st.dropped = atomic64_read(&vm->stats[st.gsi].dropped);
	st.resamples = atomic64_read(&vm->stats[st.gsi].resamples);
	st.deactivations = atomic64_read(&vm->stats[st.gsi].deactivations);
	mutex_unlock(&vm->lock);

	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

static long kc_run_vcpu(struct kc_vm *vm, void __user *argp)
{
	struct kc_vcpu_run run;

	if (copy_from_user(&run, argp, sizeof(run)))
		return -EFAULT;
	if (run.vcpu >= KC_MAX_VCPUS || run.delivered)
		return -EINVAL;
	run.delivered = kc_vcpu_run(vm, run.vcpu);
	return copy_to_user(argp, &run, sizeof(run)) ? -EFAULT : 0;
}

static long kc_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kc_vm *vm = file->private_data;
	void __user *argp = (void __user *)arg;
	struct kc_guest_eoi eoi;
	struct kvm_irqfd args;

	switch (cmd) {
	case KC_SET_GSI_ROUTING:
		return kc_set_routing(vm, argp);
	case KC_IRQFD:
		if (copy_from_user(&args, argp, sizeof(args)))
			return -EFAULT;
		if (args.flags & KVM_IRQFD_FLAG_DEASSIGN)
			return kc_irqfd_deassign(vm, &args);
		return kc_irqfd_assign(vm, &args);
	case KC_GET_GSI_STATE:
		return kc_get_gsi_state(vm, argp);
	case KC_GUEST_EOI:
		if (copy_from_user(&eoi, argp, sizeof(eoi)))
			return -EFAULT;
		return kc_irqfd_guest_eoi(vm, &eoi);
	case KC_RUN_VCPU:
		return kc_run_vcpu(vm, argp);
	}
	return -ENOTTY;
}

static const struct file_operations kc_fops = {
	.owner = THIS_MODULE,
	.open = kc_open,
	.release = kc_release,
	.unlocked_ioctl = kc_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice kc_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kvm-consumer",
	.fops = &kc_fops,
	.mode = 0600,
};

static int __init kc_init(void)
{
	int ret = kc_irqfd_init();

	if (ret)
		return ret;
	kc_debugfs_init();
	ret = misc_register(&kc_misc);
	if (ret) {
		kc_debugfs_exit();
		kc_irqfd_exit();
	}
	return ret;
}

static void __exit kc_exit(void)
{
	misc_deregister(&kc_misc);
	kc_debugfs_exit();
	kc_irqfd_exit();
}

module_init(kc_init);
module_exit(kc_exit);
