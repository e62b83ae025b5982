// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Syscall sites and their numbers, with Capstone (x86-64).
 *
 * Each object's executable sections (segments, without section headers)
 * are swept linearly; an undecodable byte is skipped and the next one
 * starts a block.  Block starts: function symbols, targets of direct
 * jumps and calls, the instruction after an unconditional jump, a return,
 * hlt or ud2, and endbr64 (an indirect branch target under CET).  The
 * fall-through after a conditional jump continues its block: its only
 * predecessor is the jump, which writes no register.
 *
 * A `syscall` site's number is found backwards from it within its block:
 * the last write to rax/eax must be `mov eax|rax, imm`, `xor`/`sub` of the
 * register with itself, or a move from another 32/64-bit register, whose
 * last write is then followed the same way.  A call, another syscall, a
 * partial write (al, ax) or any other write stops the search, and so does
 * the block start: the number is then not a constant.  `int 0x80` and
 * `sysenter` reach the i386 table and make the function unverifiable.
 *
 * The generic wrappers (wrappers[] below) are recognised by symbol name,
 * and only if the number reaches the site from the wrapper's documented
 * argument register at the function's entry.  Each direct call or jump to
 * the wrapper in its object, and each call or jump through a PLT stub or a
 * GOT slot naming it in any analysed object, is a site of its own whose
 * number is that register, found the same way backwards from the call; a
 * caller that is itself a recognised wrapper passing its own argument is
 * followed in turn (up to 4 levels).  A wrapper whose address is taken
 * (a rip-relative lea of it, an R_X86_64_RELATIVE relocation to it, a
 * load of its GOT slot) may be called indirectly: unverifiable.
 */
#define _GNU_SOURCE
#include <capstone/capstone.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

enum { R_RAX, R_RCX, R_RDX, R_RBX, R_RSP, R_RBP, R_RSI, R_RDI, R_R8, R_R9, R_R10, R_R11,
       R_R12, R_R13, R_R14, R_R15 };

static const char *const reg_names[] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

/*
 * The wrappers: a function that makes a syscall whose number is one of
 * its arguments.  glibc 2.36 (bookworm) has only syscall(); the others are
 * musl's and newer glibc's.  Not recognised: glibc >= 2.41's
 * __syscall_cancel and __internal_syscall_cancel (the number is the 7th
 * argument, on the stack), Go's runtime entry points (Syscall6 and the
 * like), and anything stripped of its symbols.
 */
static const struct {
	const char *name;
	int reg;
	const char *what;
} wrappers[] = {
	{ "syscall", R_RDI, "syscall(2) of glibc and musl" },
	{ "__syscall_cancel_arch", R_RSI, "glibc >= 2.41's cancellable syscall" },
	{ "__syscall_cp_asm", R_RSI, "musl's cancellable syscall" },
	{ "__syscall_cp_c", R_RDI, "musl's cancellation point" },
	{ "__syscall_cp", R_RDI, "musl's cancellation point" },
};

#define MAX_WRAPPER_DEPTH 4
#define MAX_WALK 4096

struct callref {
	uint64_t at, target;	/* target: the callee, or the GOT slot if mem */
	int idx;		/* instruction index */
	bool mem;
	bool jmp;		/* a jump (tail call), not a call */
};

enum site_kind { S_SYSCALL, S_INT80, S_SYSENTER };

struct site {
	uint64_t addr;
	int idx;
	enum site_kind kind;
};

struct disasm {
	uint64_t *insn;
	uint8_t *isz;		/* their sizes */
	int n, cap, iszcap;
	uint64_t *starts;
	int nstarts, capstarts;
	struct callref *calls;
	int ncalls, capcalls;
	struct site *sites;
	int nsites, capsites;
	uint64_t *leas;		/* rip-relative lea targets */
	int nleas, capleas;
	uint64_t *gotloads;	/* GOT slots read by a mov (not called) */
	int ngot, capgot;
};

/* wrappers whose callers were already resolved */
struct done {
	const struct elfobj *o;
	uint64_t addr;
};

struct ctx {
	struct gate *g;
	csh cs;
	cs_insn *insn;
	struct done *done;
	int ndone, capdone;
};

static int fam(x86_reg r)
{
	switch (r) {
	case X86_REG_AL: case X86_REG_AH: case X86_REG_AX: case X86_REG_EAX: case X86_REG_RAX:
		return R_RAX;
	case X86_REG_CL: case X86_REG_CH: case X86_REG_CX: case X86_REG_ECX: case X86_REG_RCX:
		return R_RCX;
	case X86_REG_DL: case X86_REG_DH: case X86_REG_DX: case X86_REG_EDX: case X86_REG_RDX:
		return R_RDX;
	case X86_REG_BL: case X86_REG_BH: case X86_REG_BX: case X86_REG_EBX: case X86_REG_RBX:
		return R_RBX;
	case X86_REG_SPL: case X86_REG_SP: case X86_REG_ESP: case X86_REG_RSP:
		return R_RSP;
	case X86_REG_BPL: case X86_REG_BP: case X86_REG_EBP: case X86_REG_RBP:
		return R_RBP;
	case X86_REG_SIL: case X86_REG_SI: case X86_REG_ESI: case X86_REG_RSI:
		return R_RSI;
	case X86_REG_DIL: case X86_REG_DI: case X86_REG_EDI: case X86_REG_RDI:
		return R_RDI;
	case X86_REG_R8B: case X86_REG_R8W: case X86_REG_R8D: case X86_REG_R8: return R_R8;
	case X86_REG_R9B: case X86_REG_R9W: case X86_REG_R9D: case X86_REG_R9: return R_R9;
	case X86_REG_R10B: case X86_REG_R10W: case X86_REG_R10D: case X86_REG_R10: return R_R10;
	case X86_REG_R11B: case X86_REG_R11W: case X86_REG_R11D: case X86_REG_R11: return R_R11;
	case X86_REG_R12B: case X86_REG_R12W: case X86_REG_R12D: case X86_REG_R12: return R_R12;
	case X86_REG_R13B: case X86_REG_R13W: case X86_REG_R13D: case X86_REG_R13: return R_R13;
	case X86_REG_R14B: case X86_REG_R14W: case X86_REG_R14D: case X86_REG_R14: return R_R14;
	case X86_REG_R15B: case X86_REG_R15W: case X86_REG_R15D: case X86_REG_R15: return R_R15;
	default:
		return -1;
	}
}

static void *grow(void *p, int n, int *cap, size_t sz)
{
	void *np;

	if (n < *cap)
		return p;
	np = realloc(p, (*cap ? *cap * 2 : 1024) * sz);
	if (np)
		*cap = *cap ? *cap * 2 : 1024;
	return np;
}

#define PUSH(c, arr, n, capv, val) ({						\
	typeof(arr) _p = grow(arr, n, &capv, sizeof(*(arr)));			\
	if (_p) { arr = _p; arr[n++] = (val); } else { (c)->g->oom = true; }	\
	_p != NULL; })

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool has_u64(const uint64_t *arr, int n, uint64_t v)
{
	return bsearch(&v, arr, n, sizeof(*arr), cmp_u64);
}

void disasm_free(struct disasm *d)
{
	if (!d)
		return;
	free(d->insn);
	free(d->isz);
	free(d->starts);
	free(d->calls);
	free(d->sites);
	free(d->leas);
	free(d->gotloads);
	free(d);
}

/* A rip-relative memory operand's address, or 0. */
static uint64_t rip_target(const cs_insn *in, const cs_x86_op *op)
{
	if (op->type != X86_OP_MEM || op->mem.base != X86_REG_RIP || op->mem.index != X86_REG_INVALID)
		return 0;
	return in->address + in->size + op->mem.disp;
}

static int sweep(struct ctx *c, struct elfobj *o)
{
	struct disasm *d = calloc(1, sizeof(*d));

	if (!d) {
		c->g->oom = true;
		return -1;
	}
	o->dis = d;
	for (int r = 0; r < o->nr_code; r++) {
		const uint8_t *code = o->code[r].bytes;
		size_t size = o->code[r].size;
		uint64_t addr = o->code[r].addr;

		PUSH(c, d->starts, d->nstarts, d->capstarts, addr);
		while (size) {
			const cs_insn *in = c->insn;
			const cs_x86 *x;

			if (!cs_disasm_iter(c->cs, &code, &size, &addr, c->insn)) {
				code++;
				size--;
				addr++;
				PUSH(c, d->starts, d->nstarts, d->capstarts, addr);
				continue;
			}
			x = &in->detail->x86;
			if (!PUSH(c, d->insn, d->n, d->cap, in->address))
				return -1;
			if (d->iszcap < d->cap) {	/* isz grows with insn */
				uint8_t *s = realloc(d->isz, d->cap);

				if (!s) {
					c->g->oom = true;
					return -1;
				}
				d->isz = s;
				d->iszcap = d->cap;
			}
			d->isz[d->n - 1] = in->size;
			switch (in->id) {
			case X86_INS_SYSCALL:
				PUSH(c, d->sites, d->nsites, d->capsites,
				     ((struct site){ in->address, d->n - 1, S_SYSCALL }));
				break;
			case X86_INS_SYSENTER:
				PUSH(c, d->sites, d->nsites, d->capsites,
				     ((struct site){ in->address, d->n - 1, S_SYSENTER }));
				break;
			case X86_INS_INT:
				if (x->op_count == 1 && x->operands[0].type == X86_OP_IMM &&
				    (x->operands[0].imm & 0xff) == 0x80)
					PUSH(c, d->sites, d->nsites, d->capsites,
					     ((struct site){ in->address, d->n - 1, S_INT80 }));
				break;
			case X86_INS_ENDBR64:
				PUSH(c, d->starts, d->nstarts, d->capstarts, in->address);
				break;
			case X86_INS_LEA:
				if (x->op_count == 2 && rip_target(in, &x->operands[1]))
					PUSH(c, d->leas, d->nleas, d->capleas, rip_target(in, &x->operands[1]));
				break;
			case X86_INS_MOV:
				if (x->op_count == 2 && rip_target(in, &x->operands[1]) &&
				    elf_slot_name(o, rip_target(in, &x->operands[1])))
					PUSH(c, d->gotloads, d->ngot, d->capgot, rip_target(in, &x->operands[1]));
				break;
			default:
				break;
			}
			if (cs_insn_group(c->cs, in, CS_GRP_CALL) || cs_insn_group(c->cs, in, CS_GRP_JUMP)) {
				bool call = cs_insn_group(c->cs, in, CS_GRP_CALL);
				bool uncond = call || in->id == X86_INS_JMP || in->id == X86_INS_LJMP;

				if (x->op_count == 1 && x->operands[0].type == X86_OP_IMM) {
					PUSH(c, d->starts, d->nstarts, d->capstarts, x->operands[0].imm);
					if (uncond)
						PUSH(c, d->calls, d->ncalls, d->capcalls,
						     ((struct callref){ in->address, x->operands[0].imm,
									d->n - 1, false, !call }));
				} else if (x->op_count == 1 && uncond && rip_target(in, &x->operands[0])) {
					PUSH(c, d->calls, d->ncalls, d->capcalls,
					     ((struct callref){ in->address, rip_target(in, &x->operands[0]),
								d->n - 1, true, !call }));
				}
				if (!call && uncond)
					PUSH(c, d->starts, d->nstarts, d->capstarts, in->address + in->size);
			} else if (cs_insn_group(c->cs, in, CS_GRP_RET) || in->id == X86_INS_HLT ||
				   in->id == X86_INS_UD2) {
				PUSH(c, d->starts, d->nstarts, d->capstarts, in->address + in->size);
			}
			if (c->g->oom)
				return -1;
		}
	}
	qsort(d->starts, d->nstarts, sizeof(*d->starts), cmp_u64);
	qsort(d->leas, d->nleas, sizeof(*d->leas), cmp_u64);
	qsort(d->gotloads, d->ngot, sizeof(*d->gotloads), cmp_u64);
	return 0;
}

enum res_kind { RES_CONST, RES_ENTRY, RES_UNRESOLVED };

struct res {
	enum res_kind kind;
	uint64_t value;
	int reg;		/* RES_ENTRY: the register at the block start */
	uint64_t block;		/* RES_ENTRY: the block start */
	char why[400];		/* RES_UNRESOLVED */
};

static bool block_start(const struct elfobj *o, uint64_t a)
{
	return has_u64(o->dis->starts, o->dis->nstarts, a) || elf_is_func_start(o, a);
}

static bool decode_at(struct ctx *c, const struct elfobj *o, uint64_t addr)
{
	size_t len = 16;
	const uint8_t *b = elf_bytes_at(o, addr, &len);

	return b && cs_disasm_iter(c->cs, &b, &len, &addr, c->insn);
}

/* The value of @reg at instruction @k of @o, backwards within its block. */
static void walk(struct ctx *c, const struct elfobj *o, int k, int reg, struct res *r)
{
	const struct disasm *d = o->dis;

	for (int steps = 0;; steps++) {
		uint64_t a = d->insn[k];
		cs_regs rd, wr;
		uint8_t nrd, nwr;
		const cs_x86 *x;
		const cs_insn *in = c->insn;
		bool writes = false;

		if (block_start(o, a) || !k || d->insn[k - 1] + d->isz[k - 1] != a) {
			r->kind = RES_ENTRY;
			r->reg = reg;
			r->block = a;
			return;
		}
		if (steps == MAX_WALK) {
			r->kind = RES_UNRESOLVED;
			snprintf(r->why, sizeof(r->why), "the block is longer than %d instructions", MAX_WALK);
			return;
		}
		k--;
		if (!decode_at(c, o, d->insn[k])) {
			r->kind = RES_UNRESOLVED;
			snprintf(r->why, sizeof(r->why), "cannot decode 0x%llx", (unsigned long long)d->insn[k]);
			return;
		}
		x = &in->detail->x86;
		if (cs_insn_group(c->cs, in, CS_GRP_CALL)) {
			r->kind = RES_UNRESOLVED;
			snprintf(r->why, sizeof(r->why), "%s is not set after the call at 0x%llx",
				 reg_names[reg], (unsigned long long)in->address);
			return;
		}
		if (in->id == X86_INS_SYSCALL || in->id == X86_INS_SYSENTER || in->id == X86_INS_INT) {
			writes = reg == R_RAX || reg == R_RCX || reg == R_R11;
		} else if (!cs_regs_access(c->cs, in, rd, &nrd, wr, &nwr)) {
			for (int i = 0; i < nwr; i++)
				writes |= fam(wr[i]) == reg;
		} else {
			writes = true;	/* cannot tell: assume the worst */
		}
		if (!writes)
			continue;
		if ((in->id == X86_INS_MOV || in->id == X86_INS_MOVABS) && x->op_count == 2 &&
		    x->operands[0].type == X86_OP_REG && fam(x->operands[0].reg) == reg &&
		    x->operands[0].size >= 4) {
			if (x->operands[1].type == X86_OP_IMM) {
				r->kind = RES_CONST;
				r->value = x->operands[0].size == 4 ? (uint32_t)x->operands[1].imm :
					   (uint64_t)x->operands[1].imm;
				return;
			}
			if (x->operands[1].type == X86_OP_REG && fam(x->operands[1].reg) >= 0 &&
			    x->operands[1].size >= 4) {
				reg = fam(x->operands[1].reg);
				continue;
			}
		}
		if ((in->id == X86_INS_XOR || in->id == X86_INS_SUB) && x->op_count == 2 &&
		    x->operands[0].type == X86_OP_REG && x->operands[1].type == X86_OP_REG &&
		    x->operands[0].reg == x->operands[1].reg && x->operands[0].size >= 4) {
			r->kind = RES_CONST;
			r->value = 0;
			return;
		}
		r->kind = RES_UNRESOLVED;
		snprintf(r->why, sizeof(r->why), "%s is last written by `%s %s` at 0x%llx",
			 reg_names[reg], in->mnemonic, in->op_str, (unsigned long long)in->address);
		return;
	}
}

static void check_nr(struct ctx *c, struct elfobj *o, uint64_t at, uint64_t nr, const char *via)
{
	struct gate *g = c->g;
	const char *name;

	if (nr >= SWL_NR_MAX) {
		gate_reason(g, "syscall-out-of-range", o->path, true, at, -1,
			    "%s: 0x%llx: syscall number %llu%s is beyond the x86-64 table (x32 numbers and numbers >= %d are killed)",
			    o->path, (unsigned long long)at, (unsigned long long)nr, via ? via : "",
			    SWL_NR_MAX);
		return;
	}
	if (!g->has_profile || profile_allows(g, nr))
		return;
	name = gate_sysname(nr);
	gate_reason(g, "syscall-not-allowed", o->path, true, at, nr,
		    "%s: 0x%llx: %s (%llu)%s, which linux.seccomp does not allow", o->path,
		    (unsigned long long)at, name ? name : "?", (unsigned long long)nr, via ? via : "");
}

static int wrapper_reg(const struct elfobj *o, uint64_t addr, const char **name)
{
	for (int i = 0; i < o->nr_syms; i++) {
		if (o->syms[i].addr != addr)
			continue;
		for (size_t w = 0; w < ARRAY_LEN(wrappers); w++)
			if (!strcmp(wrappers[w].name, o->syms[i].name)) {
				*name = wrappers[w].name;
				return wrappers[w].reg;
			}
	}
	return -1;
}

/* Does @name name the function at @addr of @o? */
static bool names_func(const struct elfobj *o, uint64_t addr, const char *name)
{
	for (int i = 0; i < o->nr_syms; i++)
		if (o->syms[i].addr == addr && !strcmp(o->syms[i].name, name))
			return true;
	return false;
}

/* The symbol a call goes to through a PLT stub or a GOT slot of @p. */
static const char *import_name(struct ctx *c, const struct elfobj *p, const struct callref *cr)
{
	const cs_x86 *x = &c->insn->detail->x86;
	uint64_t t;

	if (cr->mem)
		return elf_slot_name(p, cr->target);
	if (!decode_at(c, p, cr->target))
		return NULL;
	if (c->insn->id == X86_INS_ENDBR64 && !decode_at(c, p, cr->target + c->insn->size))
		return NULL;
	if (c->insn->id != X86_INS_JMP || x->op_count != 1 || !(t = rip_target(c->insn, &x->operands[0])))
		return NULL;
	return elf_slot_name(p, t);
}

static void resolve_callers(struct ctx *c, struct elfobj *o, const struct sym *w, int reg,
			    const char *wname, int depth);

/*
 * A PLT stub's `jmp [rip+slot]`: the first instruction of a block (after
 * an endbr64).  The calls to the stub are the wrapper's callers.
 */
static bool is_stub(const struct elfobj *p, const struct callref *cr)
{
	static const uint8_t endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };
	size_t len = 4;
	const uint8_t *b;

	if (!cr->mem || !cr->jmp)
		return false;
	if (block_start(p, cr->at))
		return true;
	b = cr->at >= 4 ? elf_bytes_at(p, cr->at - 4, &len) : NULL;
	return b && len == 4 && !memcmp(b, endbr64, 4) && block_start(p, cr->at - 4);
}

static void caller_site(struct ctx *c, struct elfobj *p, const struct callref *cr, int reg,
			const char *wname, int depth)
{
	struct gate *g = c->g;
	const struct sym *f;
	const char *wn2 = NULL;
	char via[160];
	struct res r;

	walk(c, p, cr->idx, reg, &r);
	snprintf(via, sizeof(via), " passed to %s()", wname);
	if (r.kind == RES_CONST) {
		p->stats->wrapper_calls++;
		check_nr(c, p, cr->at, (uint32_t)r.value, via);
		return;
	}
	f = elf_func_at(p, cr->at);
	if (r.kind == RES_ENTRY && f && f->addr == r.block && wrapper_reg(p, f->addr, &wn2) == r.reg) {
		resolve_callers(c, p, f, r.reg, wn2, depth + 1);
		return;
	}
	p->stats->unresolved++;
	if (r.kind == RES_ENTRY)
		snprintf(r.why, sizeof(r.why), "%s comes into the block at 0x%llx%s%s%s",
			 reg_names[r.reg], (unsigned long long)r.block, f && f->addr == r.block ?
			 " (the entry of " : "", f && f->addr == r.block ? f->name : "",
			 f && f->addr == r.block ? ", not a recognised wrapper)" : " from elsewhere");
	gate_reason(g, "unresolved-syscall", p->path, true, cr->at, -1,
		    "%s: 0x%llx%s%s: the call to %s() passes a syscall number that is not a constant: %s",
		    p->path, (unsigned long long)cr->at, f ? " in " : "", f ? f->name : "", wname, r.why);
}

static void resolve_callers(struct ctx *c, struct elfobj *o, const struct sym *w, int reg,
			    const char *wname, int depth)
{
	struct gate *g = c->g;

	if (depth >= MAX_WRAPPER_DEPTH) {
		gate_reason(g, "unresolved-syscall", o->path, true, w->addr, -1,
			    "%s: 0x%llx: %s: wrappers calling wrappers more than %d deep",
			    o->path, (unsigned long long)w->addr, wname, MAX_WRAPPER_DEPTH);
		return;
	}
	for (int i = 0; i < c->ndone; i++)
		if (c->done[i].o == o && c->done[i].addr == w->addr)
			return;
	PUSH(c, c->done, c->ndone, c->capdone, ((struct done){ o, w->addr }));
	if (has_u64(o->dis->leas, o->dis->nleas, w->addr) || elf_has_relative(o, w->addr))
		gate_reason(g, "wrapper-address-taken", o->path, true, w->addr, -1,
			    "%s: 0x%llx: the address of %s() is taken in %s: it may be called with any number",
			    o->path, (unsigned long long)w->addr, wname, o->path);
	for (int k = 0; k < g->nr_objs; k++) {
		struct elfobj *p = g->objs[k];

		for (int i = 0; i < p->dis->ngot; i++) {
			const char *n = elf_slot_name(p, p->dis->gotloads[i]);

			if (n && names_func(o, w->addr, n))
				gate_reason(g, "wrapper-address-taken", p->path, false, 0, -1,
					    "%s: loads the address of %s() from its GOT: it may be called with any number",
					    p->path, n);
		}
		for (int i = 0; i < p->dis->ncalls; i++) {
			const struct callref *cr = &p->dis->calls[i];
			const char *n;

			if (is_stub(p, cr))
				continue;	/* its callers are the wrapper's */
			if (p == o && !cr->mem && cr->target == w->addr) {
				caller_site(c, p, cr, reg, wname, depth);
				continue;
			}
			n = import_name(c, p, cr);
			if (n && names_func(o, w->addr, n))
				caller_site(c, p, cr, reg, wname, depth);
		}
	}
}

static void check_site(struct ctx *c, struct elfobj *o, const struct site *s)
{
	struct gate *g = c->g;
	const struct sym *f = elf_func_at(o, s->addr);
	const char *wname = NULL;
	struct res r;
	int wreg;

	o->stats->sites++;
	if (s->kind != S_SYSCALL) {
		o->stats->unresolved++;
		gate_reason(g, "i386-entry", o->path, true, s->addr, -1,
			    "%s: 0x%llx%s%s: %s enters the i386 syscall table, which the gate does not check",
			    o->path, (unsigned long long)s->addr, f ? " in " : "", f ? f->name : "",
			    s->kind == S_INT80 ? "int 0x80" : "sysenter");
		return;
	}
	walk(c, o, s->idx, R_RAX, &r);
	if (r.kind == RES_CONST) {
		o->stats->constant++;
		check_nr(c, o, s->addr, (uint32_t)r.value, NULL);
		return;
	}
	if (r.kind == RES_ENTRY && f && f->addr == r.block) {
		wreg = wrapper_reg(o, f->addr, &wname);
		if (wreg >= 0 && wreg == r.reg) {
			o->stats->wrapper++;
			resolve_callers(c, o, f, wreg, wname, 0);
			return;
		}
		snprintf(r.why, sizeof(r.why), "the number comes from %s at the entry of %s, %s",
			 reg_names[r.reg], f->name, wreg >= 0 ?
			 "a recognised wrapper name, but not in the register it takes the number in" :
			 "which is not a recognised wrapper");
	} else if (r.kind == RES_ENTRY) {
		snprintf(r.why, sizeof(r.why), "%s comes into the block at 0x%llx from elsewhere%s",
			 reg_names[r.reg], (unsigned long long)r.block,
			 o->nr_syms ? "" : " (no symbols: wrappers cannot be recognised)");
	}
	o->stats->unresolved++;
	gate_reason(g, "unresolved-syscall", o->path, true, s->addr, -1,
		    "%s: 0x%llx%s%s: syscall number is not a constant: %s", o->path,
		    (unsigned long long)s->addr, f ? " in " : "", f ? f->name : "", r.why);
}

int disasm_all(struct gate *g)
{
	struct ctx c = { .g = g };
	int ret = -1;

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &c.cs) != CS_ERR_OK)
		return gate_bad(g, "capstone: cannot open an x86-64 disassembler");
	cs_option(c.cs, CS_OPT_DETAIL, CS_OPT_ON);
	c.insn = cs_malloc(c.cs);
	if (!c.insn) {
		g->oom = true;
		goto out;
	}
	for (int i = 0; i < g->nr_objs; i++)
		if (sweep(&c, g->objs[i]))
			goto out;
	for (int i = 0; i < g->nr_objs && !g->oom; i++) {
		struct elfobj *o = g->objs[i];

		for (int s = 0; s < o->dis->nsites && !g->oom; s++)
			check_site(&c, o, &o->dis->sites[s]);
	}
	ret = g->oom ? -1 : 0;
out:
	if (c.insn)
		cs_free(c.insn, 1);
	cs_close(&c.cs);
	free(c.done);
	return ret;
}
