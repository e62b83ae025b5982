// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Network egress policy of a function, attached to the function's parent
 * cgroup: connect(2) of TCP, UDP and ICMP sockets and sendmsg(2) of
 * unconnected UDP sockets reach a destination only if one of the
 * function's rules allows its address and port.  Deny by default: without
 * rules nothing is allowed.  The rules are in two LPM tries (policy.h) that
 * the loader fills and freezes before it attaches the programs.
 *
 * 1 lets the call go on, 0 makes it fail with EPERM.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "policy.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* max_entries: the loader sizes both tries for its rules before loading */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_RDONLY_PROG);
	__type(key, struct egr_key4);
	__type(value, struct egr_ports);
} rules4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_RDONLY_PROG);
	__type(key, struct egr_key6);
	__type(value, struct egr_ports);
} rules6 SEC(".maps");

static __always_inline int port_allowed(const struct egr_ports *p, __u32 user_port)
{
	__u16 port = bpf_ntohs((__u16)user_port);
	int i;

	if (!p)
		return 0;
	for (i = 0; i < EGR_PORT_RANGES; i++) {
		if (i >= p->nr)
			break;
		if (port >= p->r[i].lo && port <= p->r[i].hi)
			return 1;
	}
	return 0;
}

static __always_inline int allowed4(__u32 addr, __u32 user_port)
{
	struct egr_key4 key = { .prefixlen = 32, .addr = addr };

	return port_allowed(bpf_map_lookup_elem(&rules4, &key), user_port);
}

/*
 * An IPv4-mapped address (::ffff:a.b.c.d) on an AF_INET6 socket is
 * IPv4 traffic to a.b.c.d: the IPv4 rules decide, never the IPv6 ones.
 * IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::/96) addresses are
 * IPv6 destinations.
 */
static __always_inline int allowed6(struct bpf_sock_addr *ctx)
{
	struct egr_key6 key = { .prefixlen = 128 };

	key.addr[0] = ctx->user_ip6[0];
	key.addr[1] = ctx->user_ip6[1];
	key.addr[2] = ctx->user_ip6[2];
	key.addr[3] = ctx->user_ip6[3];
	if (key.addr[0] == 0 && key.addr[1] == 0 &&
	    key.addr[2] == bpf_htonl(0x0000ffff))
		return allowed4(key.addr[3], ctx->user_port);
	return port_allowed(bpf_map_lookup_elem(&rules6, &key), ctx->user_port);
}

/*
 * The IPv4 hooks read the address whatever user_family says: udp_sendmsg()
 * takes an AF_UNSPEC destination as AF_INET, and an AF_INET6 socket's
 * connect(2) to an AF_INET address runs connect4.
 */
SEC("cgroup/connect4")
int egress_connect4(struct bpf_sock_addr *ctx)
{
	return allowed4(ctx->user_ip4, ctx->user_port);
}

SEC("cgroup/sendmsg4")
int egress_sendmsg4(struct bpf_sock_addr *ctx)
{
	return allowed4(ctx->user_ip4, ctx->user_port);
}

SEC("cgroup/connect6")
int egress_connect6(struct bpf_sock_addr *ctx)
{
	return allowed6(ctx);
}

SEC("cgroup/sendmsg6")
int egress_sendmsg6(struct bpf_sock_addr *ctx)
{
	return allowed6(ctx);
}
