/* SPDX-License-Identifier: GPL-2.0 */
/* Install a struct swl_policy as a seccomp filter of the calling thread. */
#ifndef SWL_INSTALL_H
#define SWL_INSTALL_H

#include <stddef.h>
#include "profile.h"

/*
 * As a seccomp-eBPF filter: load whitelist.bpf.o, fill and freeze its
 * maps, set no_new_privs and install it with its allow list.  Every BPF
 * fd is closed before it returns.  Nothing is installed on error.
 */
int swl_install_ebpf(const struct swl_policy *pol, unsigned int flags,
		     char *err, size_t errlen);

/*
 * As a seccomp-eBPF filter generated for the policy (codegen.c): no maps,
 * a binary search on the syscall number over what the allow list leaves,
 * then the rules' comparisons.  Same semantics as swl_install_ebpf().
 */
int swl_install_ebpf_code(const struct swl_policy *pol, unsigned int flags,
			  char *err, size_t errlen);

/*
 * As a classic filter built by libseccomp from phase @phase's rules
 * (classic filters cannot change phase by themselves); @tree selects
 * libseccomp's binary-tree layout (SCMP_FLTATR_CTL_OPTIMIZE=2).
 */
int swl_install_classic(const struct swl_policy *pol, int phase, bool tree,
			unsigned int flags, char *err, size_t errlen);

struct sock_fprog;
/*
 * The same classic filter, not installed: @prog->filter is malloc'd
 * (free() it), for a caller that installs it later with seccomp(2)
 * where it cannot allocate (a child of clone()).
 */
int swl_export_classic(const struct swl_policy *pol, int phase, bool tree,
		       struct sock_fprog *prog, char *err, size_t errlen);

#endif
