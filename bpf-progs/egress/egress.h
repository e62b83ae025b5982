/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libegress: a function's network egress policy on its parent cgroup.
 *
 * egr_attach() loads the egress programs (egress.bpf.c) with the rules in
 * frozen maps, attaches them to a cgroup with BPF links and pins the links
 * in a directory of a BPF file system, so that the policy outlives the
 * caller; egr_detach() detaches and unpins them.  A destination (address,
 * port) of connect(2), or of sendmsg(2) on an unconnected UDP socket, is
 * allowed iff some rule matches it; without rules nothing is.  Loopback,
 * link-local and unspecified addresses are reachable only through a rule
 * inside their range (README.md).
 *
 * Both return 0, or -errno with a sentence in err (errlen bytes, may be
 * 0).  They need CAP_BPF and CAP_NET_ADMIN (root).
 */
#ifndef EGRESS_H
#define EGRESS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EGR_RULES_MAX		1024	/* rules per policy */
#define EGR_PORT_RANGES_MAX	8	/* distinct port ranges per prefix */

/*
 * Destinations family/prefix with a port in port_lo..port_hi (1-65535 is
 * every port).  addr is in network byte order: addr[0..3] for AF_INET
 * (the other bytes are not read), addr[0..15] for AF_INET6; no bit may
 * be set past the prefix.  Several rules may name one prefix, each with
 * one port range.  An AF_INET6 rule may not lie inside ::ffff:0:0/96:
 * IPv4-mapped destinations follow the AF_INET rules.
 */
struct egr_rule {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];
	int prefix;		/* 0-32 or 0-128 */
	uint16_t port_lo, port_hi;	/* host byte order */
};

/* the names of the pinned links in pin_dir */
#define EGR_PIN_NAMES	{ "connect4", "connect6", "sendmsg4", "sendmsg6" }

/*
 * Checks the rules as egr_attach() does (-EINVAL, -E2BIG with the rule
 * named in err), without touching the kernel: for a caller that vets a
 * policy long before it attaches it.
 */
int egr_check(const struct egr_rule *rules, unsigned int n, char *err, size_t errlen);

/*
 * Checks the rules, loads the programs, fills and freezes their maps,
 * attaches them to the cgroup2 directory cgroup_fd (which then covers
 * the sockets its processes and those of its descendants create) and pins
 * the four links as pin_dir/connect4, connect6, sendmsg4, sendmsg6.
 * pin_dir must be on a BPF file system; it is created (mode 0700) if
 * missing, but its parent is not.  It must not already hold those links
 * (-EEXIST).  A NULL pin_dir is -EINVAL: links not pinned would end with
 * the calling process, leaving the function unconfined.  On error nothing
 * stays attached or pinned, and nothing was attached if the rules are
 * bad (-EINVAL, -E2BIG).
 */
int egr_attach(int cgroup_fd, const struct egr_rule *rules, unsigned int n,
	       const char *pin_dir, char *err, size_t errlen);

/*
 * Detaches the links pinned in pin_dir (bpf_link_detach(), so that no
 * other holder of a link keeps the policy on), removes the pins, then
 * pin_dir if it is empty.  Links and pin_dir that are missing are not an
 * error: it cleans up after an egr_attach() or a caller that stopped half
 * way.  A pin that is not a cgroup link of the expected attach type is
 * left alone (-EINVAL).
 */
int egr_detach(const char *pin_dir, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* EGRESS_H */
