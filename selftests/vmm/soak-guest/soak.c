// SPDX-License-Identifier: GPL-2.0-only
/*
 * The soak guest of make check-vmm's kill soak (scene 4): a bare-metal L2
 * that the real QEMU boots with -kernel in a fraction of a second, so that
 * the soak reaches each of QEMU's phases hundreds of times where a Linux
 * guest would take many seconds a boot. With the test host's NVMe
 * controller passed through, it does what Linux's nvme driver does to its
 * interrupts, in the same order: MSI-X with one vector for the admin
 * queue, then MSI-X disabled and enabled again with a vector for an I/O
 * queue; then reads and identifies, each completion an MSI-X interrupt
 * waited for with hlt; now and then a read with its vector masked, whose
 * interrupt must be pending and arrive at the unmask (QEMU swaps the
 * vector's trigger away from KVM's irqfd and back); then a reset, and
 * again. It prints "soak: <phase>" as it enters each phase, for the soak
 * to kill QEMU in it, and a count of its interrupts; an interrupt that
 * does not come within LOST_TICKS is reported lost. Documentation/testhost.md
 */
#include "soak.h"

#define COM1 0x3f8
#define LAPIC 0xfee00000u
#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_DIV 0x3e0

/* Vectors: the watchdog's tick; queue K's, VEC_QUEUE + K (0: admin). */
#define VEC_TICK 0x30
#define VEC_QUEUE 0x40
#define VEC_SPURIOUS 0xff
/* KVM's APIC timer counts nanoseconds: 16 ns at divide 16, a 10 ms tick. */
#define TICK_COUNT 625000
#define LOST_TICKS 300

#define QUEUE_SIZE 16
/* Interrupts flow for two seconds a boot: a window to kill QEMU in. */
#define FLOW_TICKS 200

static inline void io_out8(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "d"(port));
}

static inline u8 io_in8(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "d"(port));
	return v;
}

static inline void io_out16(u16 port, u16 v)
{
	asm volatile("outw %0, %1" : : "a"(v), "d"(port));
}

static inline void io_out32(u16 port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "d"(port));
}

static inline u32 io_in32(u16 port)
{
	u32 v;

	asm volatile("inl %1, %0" : "=a"(v) : "d"(port));
	return v;
}

/* MMIO, and memory the device writes: never cached in a register. */
static inline u32 rd32(u32 addr)
{
	u32 v;

	asm volatile("movl (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void wr32(u32 addr, u32 v)
{
	asm volatile("movl %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

void *memset(void *s, int c, size_t n)
{
	u8 *p = s;

	while (n--)
		*p++ = c;
	return s;
}

/* The console: COM1, which QEMU gives the soak as its stdout. */
static void putch(char c)
{
	while (!(io_in8(COM1 + 5) & 0x20))
		asm volatile("pause");
	io_out8(COM1, c);
}

static void puts(const char *s)
{
	while (*s)
		putch(*s++);
}

static void putnum(u32 v, u32 base)
{
	char buf[12];
	int i = 0;

	do {
		buf[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (i)
		putch(buf[--i]);
}

/* " name=value", decimal. */
static void field(const char *name, u32 v)
{
	putch(' ');
	puts(name);
	putch('=');
	putnum(v, 10);
}

/* Counted by the interrupt handlers, read by the main loop. */
static u32 ticks, irqs[MAX_VECTORS];

static u32 count(u32 *c)
{
	return __atomic_load_n(c, __ATOMIC_SEQ_CST);
}

void soak_irq(u32 vector)
{
	if (vector == VEC_TICK)
		ticks++;
	else if (vector >= VEC_QUEUE && vector < VEC_QUEUE + MAX_VECTORS)
		irqs[vector - VEC_QUEUE]++;
	wr32(LAPIC + LAPIC_EOI, 0);
}

void soak_fault(void)
{
	puts("soak: fault: an exception or an unexpected vector\n");
}

struct idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 zero;
	u8 type;
	u16 offset_hi;
} __packed;

struct idt_desc {
	u16 limit;
	u32 base;
} __packed;

static struct idt_gate idt[256] __aligned(8);

static void set_gate(int vec, void *handler)
{
	u32 off = (u32)handler;

	idt[vec].offset_lo = off & 0xffff;
	idt[vec].selector = 0x08;
	idt[vec].zero = 0;
	idt[vec].type = 0x8e;	/* present, ring 0, 32-bit interrupt gate */
	idt[vec].offset_hi = off >> 16;
}

/*
 * The IDT, the 8259s masked (SeaBIOS left the PIT on), the local APIC on
 * with a periodic tick; interrupts stay off but in hlt (wait_irq).
 */
static void cpu_init(void)
{
	struct idt_desc desc = { sizeof(idt) - 1, (u32)idt };
	int v;

	for (v = 0; v < 256; v++)
		set_gate(v, fault_stub);
	set_gate(VEC_TICK, irq_stub_0x30);
	for (v = 0; v < MAX_VECTORS; v++)
		set_gate(VEC_QUEUE + v, queue_stubs[v]);
	set_gate(VEC_SPURIOUS, spurious_stub);
	asm volatile("lidt %0" : : "m"(desc));
	io_out8(0x21, 0xff);
	io_out8(0xa1, 0xff);
	wr32(LAPIC + LAPIC_SVR, 0x100 | VEC_SPURIOUS);
	wr32(LAPIC + LAPIC_TPR, 0);
	wr32(LAPIC + LAPIC_TIMER_DIV, 0x3);
	wr32(LAPIC + LAPIC_LVT_TIMER, (1 << 17) | VEC_TICK);
	wr32(LAPIC + LAPIC_TIMER_INIT, TICK_COUNT);
}

/* PCI configuration space, mechanism #1, bus 0. */
static u32 pci_read(u32 devfn, u32 off)
{
	io_out32(0xcf8, 0x80000000u | devfn << 8 | (off & 0xfc));
	return io_in32(0xcfc);
}

static void pci_write16(u32 devfn, u32 off, u16 v)
{
	io_out32(0xcf8, 0x80000000u | devfn << 8 | (off & 0xfc));
	io_out16(0xcfc + (off & 2), v);
}

/*
 * The address of memory BAR @bar as the firmware placed it; 0 if not
 * one this 32-bit guest can reach.
 */
static u32 pci_bar(u32 devfn, int bar)
{
	u32 lo = pci_read(devfn, 0x10 + 4 * bar);

	if (lo & 1)
		return 0;
	if (((lo >> 1) & 3) == 2 && pci_read(devfn, 0x14 + 4 * bar))
		return 0;
	return lo & ~0xfu;
}

static u32 pci_find_cap(u32 devfn, u8 id)
{
	u32 pos;

	if (!(pci_read(devfn, 0x04) & (0x10 << 16)))
		return 0;
	for (pos = pci_read(devfn, 0x34) & 0xfc; pos; pos = (pci_read(devfn, pos) >> 8) & 0xfc)
		if ((pci_read(devfn, pos) & 0xff) == id)
			return pos;
	return 0;
}

/* The NVMe controller: its registers, MSI-X table and pending bits. */
static u32 devfn, regs, msix_cap, msix_table, msix_pba, msix_size, db_stride;

#define NVME_CAP_HI 0x04
#define NVME_CC 0x14
#define NVME_CSTS 0x1c
#define NVME_AQA 0x24
#define NVME_ASQ 0x28
#define NVME_ACQ 0x30
#define MSIX_ENABLE 0x8000
#define MSIX_MASKALL 0x4000

static bool find_nvme(void)
{
	u32 d, tbl, pba;

	for (d = 0; d < 256; d++) {
		if ((pci_read(d, 0) & 0xffff) == 0xffff)
			continue;
		if (pci_read(d, 0x08) >> 8 != 0x010802)
			continue;
		devfn = d;
		/* Memory space and bus mastering on, INTx off. */
		pci_write16(d, 0x04, 0x0406);
		regs = pci_bar(d, 0);
		msix_cap = pci_find_cap(d, 0x11);
		if (!regs || !msix_cap)
			return false;
		msix_size = ((pci_read(d, msix_cap) >> 16) & 0x7ff) + 1;
		tbl = pci_read(d, msix_cap + 4);
		pba = pci_read(d, msix_cap + 8);
		msix_table = pci_bar(d, tbl & 7) + (tbl & ~7u);
		msix_pba = pci_bar(d, pba & 7) + (pba & ~7u);
		db_stride = 4 << (rd32(regs + NVME_CAP_HI) & 0xf);
		return msix_table >= 0x1000 && msix_pba >= 0x1000;
	}
	return false;
}

static void msix_control(u16 flags)
{
	pci_write16(devfn, msix_cap + 2, flags);
}

/* MSI-X table entry @entry: to this CPU's APIC, @vector, masked or not. */
static void msix_entry(int entry, u8 vector, bool masked)
{
	u32 e = msix_table + 16 * entry;

	wr32(e, 0xfee00000u | (rd32(LAPIC + LAPIC_ID) >> 24) << 12);
	wr32(e + 4, 0);
	wr32(e + 8, vector);
	wr32(e + 12, masked);
}

static void msix_mask(int entry, bool masked)
{
	wr32(msix_table + 16 * entry + 12, masked);
}

static bool msix_pending(int entry)
{
	return rd32(msix_pba + 4 * (entry / 32)) & (1u << (entry % 32));
}

struct nvme_sqe {
	u32 dw[16];
};

struct nvme_cqe {
	u32 dw[4];
};

struct nvme_queue {
	struct nvme_sqe *sq;
	struct nvme_cqe *cq;
	u32 sq_db, cq_db;
	u16 tail, head;
	u32 phase;
};

/* Queue K's entries, a page each (a contiguous queue starts a page). */
struct sq_page {
	struct nvme_sqe e[QUEUE_SIZE];
} __aligned(4096);

struct cq_page {
	struct nvme_cqe e[QUEUE_SIZE];
} __aligned(4096);

static struct sq_page sqs[MAX_VECTORS];
static struct cq_page cqs[MAX_VECTORS];
static u8 buffer[4096] __aligned(4096);
/* Queue 0, the admin queue, and the I/O queues, each on its own vector. */
static struct nvme_queue queues[MAX_VECTORS];
#define admin queues[0]

/* Queue @qid's memory cleared, its doorbells, its phase. */
static void queue_init(int qid)
{
	struct nvme_queue *q = &queues[qid];

	memset(&sqs[qid], 0, sizeof(sqs[qid]));
	memset(&cqs[qid], 0, sizeof(cqs[qid]));
	q->sq = sqs[qid].e;
	q->cq = cqs[qid].e;
	q->sq_db = regs + 0x1000 + 2 * qid * db_stride;
	q->cq_db = q->sq_db + db_stride;
	q->tail = 0;
	q->head = 0;
	q->phase = 1;
}

static void submit(struct nvme_queue *q, u8 opcode, u32 nsid, u32 prp1, u32 cdw10, u32 cdw11)
{
	struct nvme_sqe *e = &q->sq[q->tail];

	memset(e, 0, sizeof(*e));
	e->dw[0] = opcode | (u32)q->tail << 16;
	e->dw[1] = nsid;
	e->dw[6] = prp1;
	e->dw[10] = cdw10;
	e->dw[11] = cdw11;
	q->tail = (q->tail + 1) % QUEUE_SIZE;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr32(q->sq_db, q->tail);
}

/* The next completion of @q if there is one: its status in *status. */
static bool reap(struct nvme_queue *q, u32 *status)
{
	u32 dw3 = rd32((u32)&q->cq[q->head].dw[3]);

	if (((dw3 >> 16) & 1) != q->phase)
		return false;
	*status = dw3 >> 17;
	q->head = (q->head + 1) % QUEUE_SIZE;
	if (!q->head)
		q->phase ^= 1;
	wr32(q->cq_db, q->head);
	return true;
}

static u32 lost, failed;

/*
 * Waits in hlt for *@irqs to pass @seen; false, and reported, if it does
 * not within LOST_TICKS.
 */
static bool wait_irq(u32 *irqs, u32 seen, const char *what)
{
	u32 t0 = count(&ticks);

	while (count(irqs) == seen) {
		if (count(&ticks) - t0 > LOST_TICKS) {
			puts("soak: lost: no interrupt for ");
			puts(what);
			putch('\n');
			lost++;
			return false;
		}
		asm volatile("sti; hlt; cli" : : : "memory");
	}
	return true;
}

/*
 * Submits a command to queue @qid and waits for its interrupt (queue
 * @qid's vector) and its completion.
 */
static void command(int qid, const char *what, u8 opcode, u32 nsid,
		    void *prp1, u32 cdw10, u32 cdw11)
{
	struct nvme_queue *q = &queues[qid];
	u32 seen = count(&irqs[qid]), status;

	submit(q, opcode, nsid, (u32)prp1, cdw10, cdw11);
	if (!wait_irq(&irqs[qid], seen, what))
		return;
	while (!reap(q, &status))
		asm volatile("pause");
	if (status) {
		puts("soak: ");
		puts(what);
		field("failed, status", status);
		putch('\n');
		failed++;
	}
}

static bool wait_ready(u32 ready)
{
	u32 t0 = count(&ticks), csts;

	asm volatile("sti" : : : "memory");
	do {
		csts = rd32(regs + NVME_CSTS);
		if (csts & 2 || count(&ticks) - t0 > LOST_TICKS) {
			asm volatile("cli" : : : "memory");
			return false;
		}
	} while ((csts & 1) != ready);
	asm volatile("cli" : : : "memory");
	return true;
}

/* The controller reset and enabled with its admin queue. */
static bool nvme_enable(void)
{
	wr32(regs + NVME_CC, 0);
	if (!wait_ready(0))
		return false;
	queue_init(0);
	wr32(regs + NVME_AQA, (QUEUE_SIZE - 1) << 16 | (QUEUE_SIZE - 1));
	wr32(regs + NVME_ASQ, (u32)&sqs[0]);
	wr32(regs + NVME_ASQ + 4, 0);
	wr32(regs + NVME_ACQ, (u32)&cqs[0]);
	wr32(regs + NVME_ACQ + 4, 0);
	/* I/O queue entries of 64 and 16 bytes, enabled. */
	wr32(regs + NVME_CC, 4 << 20 | 6 << 16 | 1);
	return wait_ready(1);
}

#define OP_IDENTIFY 0x06
#define OP_CREATE_CQ 0x05
#define OP_CREATE_SQ 0x01
#define OP_READ 0x02

static void identify(void)
{
	command(0, "identify", OP_IDENTIFY, 0, buffer, 1, 0);
}

static void read_block(int qid)
{
	command(qid, "read", OP_READ, 1, buffer, 0, 0);
}

/*
 * I/O queue @qid: its completion queue on vector @qid, interrupts on,
 * contiguous; then its submission queue.
 */
static void create_queue(int qid)
{
	queue_init(qid);
	command(0, "create cq", OP_CREATE_CQ, 0, &cqs[qid],
		(QUEUE_SIZE - 1) << 16 | qid, qid << 16 | 3);
	command(0, "create sq", OP_CREATE_SQ, 0, &sqs[qid],
		(QUEUE_SIZE - 1) << 16 | qid, qid << 16 | 1);
}

/*
 * A read on queue 1 with its vector masked: it completes, its interrupt
 * is pending, and arrives once unmasked.
 */
static u32 masked_read(void)
{
	u32 seen = count(&irqs[1]), status, pending;

	msix_mask(1, true);
	submit(&queues[1], OP_READ, 1, (u32)buffer, 0, 0);
	while (!reap(&queues[1], &status))
		asm volatile("pause");
	pending = msix_pending(1);
	msix_mask(1, false);
	wait_irq(&irqs[1], seen, "the masked read, once unmasked");
	if (status)
		failed++;
	return pending;
}

/* MSI-X enabled with vectors 0 to @n - 1 unmasked, the others masked. */
static void msix_setup(int n)
{
	int k;

	msix_control(MSIX_ENABLE | MSIX_MASKALL);
	for (k = 0; k < MAX_VECTORS && k < (int)msix_size; k++)
		msix_entry(k, VEC_QUEUE + k, k >= n);
	msix_control(MSIX_ENABLE);
}

/* The multiboot command line's "@name=N", or @def. */
static u32 arg(const char *cmdline, const char *name, u32 def)
{
	const char *p, *n;
	u32 v;

	for (p = cmdline; cmdline && *p; p++) {
		for (n = name; *n && *n == p[n - name]; n++)
			;
		if (*n || p[n - name] != '=' || (p != cmdline && p[-1] != ' '))
			continue;
		v = 0;
		for (p += n - name + 1; *p >= '0' && *p <= '9'; p++)
			v = v * 10 + *p - '0';
		return v;
	}
	return def;
}

void soak_main(u32 multiboot_info)
{
	const char *cmdline = NULL;
	u32 round, pending = 0, t0, io = 0, nvec, hold;
	int k;

	puts("\nsoak: boot\n");
	ticks = 0;
	memset(irqs, 0, sizeof(irqs));
	lost = 0;
	failed = 0;
	/* Flags bit 2: a command line (QEMU's -append). */
	if (rd32(multiboot_info) & 4)
		cmdline = (const char *)rd32(multiboot_info + 16);
	/*
	 * vectors=N: the admin queue's and N - 1 I/O queues'; hold=1: set
	 * them up, read once on each, and hold (the scale benchmark).
	 */
	nvec = arg(cmdline, "vectors", 2);
	hold = arg(cmdline, "hold", 0);
	if (!find_nvme()) {
		puts("soak: no NVMe controller with MSI-X below 4 GiB\n");
		return;
	}
	if (nvec < 2 || nvec > MAX_VECTORS || nvec > msix_size) {
		puts("soak: vectors: not between 2 and the controller's or 16\n");
		return;
	}
	cpu_init();

	/*
	 * As Linux's nvme driver: one vector for the admin queue first, before
	 * the controller is enabled (QEMU's controller takes the vectors
	 * in use when it makes a queue).
	 */
	puts("soak: msix 1\n");
	msix_setup(1);
	if (!nvme_enable()) {
		puts("soak: the NVMe controller did not become ready\n");
		return;
	}
	identify();

	/* Then MSI-X again, with a vector for each I/O queue. */
	puts("soak: msix 2\n");
	msix_control(0);
	msix_setup(nvec);
	for (k = 1; k < (int)nvec; k++)
		create_queue(k);
	if (hold) {
		for (k = 1; k < (int)nvec; k++)
			read_block(k);
		puts("soak: ready");
		field("vectors", nvec);
		field("lost", lost);
		field("failed", failed);
		putch('\n');
		for (;;)
			asm volatile("cli; hlt");
	}
	puts("soak: flowing\n");
	t0 = count(&ticks);
	for (round = 0; round < 8 || count(&ticks) - t0 < FLOW_TICKS; round++) {
		identify();
		read_block(1 + round % (nvec - 1));
		if (round % 4 == 3)
			pending += masked_read();
	}
	for (k = 1; k < (int)nvec; k++)
		io += count(&irqs[k]);
	puts("soak: irqs");
	field("admin", count(&irqs[0]));
	field("io", io);
	field("rounds", round);
	field("pending", pending);
	field("lost", lost);
	field("failed", failed);
	putch('\n');

	/* A reset through the chipset's reset control register. */
	puts("soak: reboot\n");
	io_out8(0xcf9, 0x02);
	io_out8(0xcf9, 0x06);
}
