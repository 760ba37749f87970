// SPDX-License-Identifier: GPL-2.0-only
/*
 * The real-world case of the benchmark: the time to create N KVM irqfds
 * (KVM_IRQFD on stock KVM, whose irqfds register with the loaded IRQ
 * bypass manager as consumers), over several VMs created in parallel, one
 * thread each (the VMs' creation is not timed).
 *
 * usage: irqfd_bench <label> <irqfds> <vms>
 * Prints: result manager=<label> irqfds=<n> vms=<v> ns_per_irqfd=<ns>
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct vm {
	pthread_t thread;
	int n;
	int *efd;
	int fd;
	int err;
};

static pthread_barrier_t created;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A VM with an in-kernel irqchip, then its share of the irqfds. */
static void *vm_fn(void *arg)
{
	struct vm *vm = arg;
	int kvm, i;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	vm->fd = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	if (kvm >= 0)
		close(kvm);
	if (vm->fd < 0 || ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0))
		vm->err = errno;
	pthread_barrier_wait(&created);
	if (vm->err)
		return NULL;
	for (i = 0; i < vm->n; i++) {
		struct kvm_irqfd irqfd = { .gsi = i % 24 };

		vm->efd[i] = eventfd(0, EFD_CLOEXEC);
		irqfd.fd = vm->efd[i];
		if (vm->efd[i] < 0 || ioctl(vm->fd, KVM_IRQFD, &irqfd)) {
			vm->err = errno;
			return NULL;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	struct vm *vms;
	long long t0, ns;
	int n, v, i, j;

	if (argc != 4) {
		fprintf(stderr, "usage: %s <label> <irqfds> <vms>\n", argv[0]);
		return 2;
	}
	n = atoi(argv[2]);
	v = atoi(argv[3]);
	if (n <= 0 || v <= 0 || n % v) {
		fprintf(stderr, "irqfds must be a positive multiple of vms\n");
		return 2;
	}
	/* Every irqfd holds an eventfd open. */
	rl.rlim_cur = n + 64;
	rl.rlim_max = n + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		perror("setrlimit");

	vms = calloc(v, sizeof(*vms));
	if (!vms)
		return 1;
	pthread_barrier_init(&created, NULL, v + 1);
	for (i = 0; i < v; i++) {
		vms[i].n = n / v;
		vms[i].efd = calloc(n / v, sizeof(int));
		memset(vms[i].efd, 0xff, n / v * sizeof(int));
		if (pthread_create(&vms[i].thread, NULL, vm_fn, &vms[i]))
			return 1;
	}
	pthread_barrier_wait(&created);
	t0 = now_ns();
	for (i = 0; i < v; i++)
		pthread_join(vms[i].thread, NULL);
	ns = now_ns() - t0;

	for (i = 0; i < v; i++) {
		if (vms[i].err) {
			fprintf(stderr, "vm %d: %s\n", i, strerror(vms[i].err));
			return 1;
		}
	}
	for (i = 0; i < v; i++) {
		for (j = 0; j < vms[i].n; j++)
			close(vms[i].efd[j]);
		close(vms[i].fd);
	}
	printf("result manager=%s irqfds=%d vms=%d ns_per_irqfd=%lld\n",
	       argv[1], n, v, ns / n);
	return 0;
}
