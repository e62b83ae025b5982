/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The maps of the egress programs (egress.bpf.c), shared with the loader
 * (egress.c) that fills them from a function's rules and freezes them.
 *
 * One LPM trie per family, keyed by prefix.  A lookup of a destination
 * address finds its longest matching prefix; that entry's value lists
 * every port range the rules allow for the prefix, the ranges of the
 * rules that cover the prefix included (the loader merges them in), so
 * one lookup decides.  No entry, or a port outside every range, denies.
 */
#ifndef EGR_POLICY_H
#define EGR_POLICY_H

#include <linux/types.h>

#define EGR_PORT_RANGES		8	/* port ranges per prefix */

/* addresses in network byte order, as struct bpf_sock_addr has them */
struct egr_key4 {
	__u32 prefixlen;
	__u32 addr;
};

struct egr_key6 {
	__u32 prefixlen;
	__u32 addr[4];
};

/* ports in host byte order, lo <= hi, sorted, neither overlapping nor adjacent */
struct egr_ports {
	__u32 nr;
	struct {
		__u16 lo, hi;
	} r[EGR_PORT_RANGES];
};

#endif /* EGR_POLICY_H */
