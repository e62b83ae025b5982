// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup_mutex acquisitions and hold time on kernels without lock_stat,
 * for cgroup-bench -L: mutex_lock() (mutex_lock_nested() with lockdep; the
 * loader retargets it) returning with the lock taken starts a hold,
 * mutex_unlock() ends it.  Only the holder of the mutex writes the
 * counters, so plain stores suffice.  The BPF trampolines on every
 * mutex_lock()/mutex_unlock() of the system make the figures an upper
 * bound.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct cgmutex_stat {
	__u64 target;		/* &cgroup_mutex, set by the loader */
	__u64 acquisitions;
	__u64 hold_ns;
	__u64 held_since;
};

struct cgmutex_stat stat;

SEC("fexit/mutex_lock")
int BPF_PROG(cgmutex_locked, void *lock)
{
	if ((__u64)lock != stat.target)
		return 0;
	stat.held_since = bpf_ktime_get_ns();
	stat.acquisitions++;
	return 0;
}

SEC("fentry/mutex_unlock")
int BPF_PROG(cgmutex_unlock, void *lock)
{
	if ((__u64)lock != stat.target || !stat.held_since)
		return 0;
	stat.hold_ns += bpf_ktime_get_ns() - stat.held_since;
	stat.held_since = 0;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
