// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ELF objects: x86-64 only, every offset bounds-checked (a malformed file
 * is a reason, never a crash).  From the program headers: the executable
 * PT_LOAD segments, PT_INTERP, and PT_DYNAMIC's DT_NEEDED, DT_RUNPATH,
 * DT_RPATH.  From the section headers, when the file has them: the
 * executable sections (disassembled instead of the segments, so that data
 * in an executable segment is not read as code), the function symbols of
 * .symtab and .dynsym, and the relocations that name GOT slots
 * (R_X86_64_JUMP_SLOT, _GLOB_DAT, _64) or take an address
 * (R_X86_64_RELATIVE).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "internal.h"

#define BAD(...) do { gate_reason(g, "malformed-elf", path, false, 0, -1, __VA_ARGS__); goto fail; } while (0)

static bool in_file(const struct elfobj *o, uint64_t off, uint64_t len)
{
	return off <= o->size && len <= o->size - off;
}

/* The file offset of virtual address @addr, through the PT_LOAD headers. */
static bool vaddr_off(const struct elfobj *o, uint64_t addr, uint64_t *off, uint64_t *avail)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)o->map;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(o->map + eh->e_phoff);

	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && addr >= ph[i].p_vaddr &&
		    addr - ph[i].p_vaddr < ph[i].p_filesz) {
			*off = ph[i].p_offset + (addr - ph[i].p_vaddr);
			*avail = ph[i].p_filesz - (addr - ph[i].p_vaddr);
			return in_file(o, *off, 1);
		}
	return false;
}

const uint8_t *elf_bytes_at(const struct elfobj *o, uint64_t addr, size_t *len)
{
	uint64_t off, avail;

	if (!vaddr_off(o, addr, &off, &avail))
		return NULL;
	if (avail > o->size - off)
		avail = o->size - off;
	if (*len > avail)
		*len = avail;
	return o->map + off;
}

/* A NUL-terminated string at @off within the file, or NULL. */
static const char *str_at(const struct elfobj *o, uint64_t off)
{
	if (off >= o->size || !memchr(o->map + off, 0, o->size - off))
		return NULL;
	return (const char *)o->map + off;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr ? 1 : strcmp(x->name, y->name);
}

static int cmp_slot(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void *grow(void *p, int n, int *cap, size_t sz)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 64;
	return realloc(p, *cap * sz);
}

static int read_dynamic(struct gate *g, struct elfobj *o, const Elf64_Phdr *dyn, const char *path)
{
	const Elf64_Dyn *d;
	uint64_t n, strtab = 0, stroff, avail;
	int cap = 0;

	if (!in_file(o, dyn->p_offset, dyn->p_filesz)) {
		gate_reason(g, "malformed-elf", path, false, 0, -1, "%s: PT_DYNAMIC beyond the file", path);
		return -1;
	}
	d = (const Elf64_Dyn *)(o->map + dyn->p_offset);
	n = dyn->p_filesz / sizeof(*d);
	for (uint64_t i = 0; i < n && d[i].d_tag != DT_NULL; i++)
		if (d[i].d_tag == DT_STRTAB)
			strtab = d[i].d_un.d_ptr;
	for (uint64_t i = 0; i < n && d[i].d_tag != DT_NULL; i++) {
		const char *s;

		if (d[i].d_tag != DT_NEEDED && d[i].d_tag != DT_RUNPATH && d[i].d_tag != DT_RPATH)
			continue;
		if (!strtab || !vaddr_off(o, strtab, &stroff, &avail) || d[i].d_un.d_val >= avail ||
		    !(s = str_at(o, stroff + d[i].d_un.d_val))) {
			gate_reason(g, "malformed-elf", path, false, 0, -1,
				    "%s: a dynamic entry's string is beyond DT_STRTAB", path);
			return -1;
		}
		if (d[i].d_tag == DT_RUNPATH) {
			o->runpath = (char *)s;
		} else if (d[i].d_tag == DT_RPATH) {
			o->rpath = (char *)s;
		} else {
			char **nn = grow(o->needed, o->nr_needed, &cap, sizeof(*o->needed));

			if (!nn) {
				g->oom = true;
				return -1;
			}
			o->needed = nn;
			o->needed[o->nr_needed++] = (char *)s;
		}
	}
	return 0;
}

static int read_sections(struct gate *g, struct elfobj *o, const char *path)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)o->map;
	const Elf64_Shdr *sh;
	int cap_syms = 0, cap_slots = 0, cap_rel = 0, cap_code = 0;

	if (!eh->e_shoff || !eh->e_shnum)
		return 0;
	if (eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_file(o, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr))) {
		gate_reason(g, "malformed-elf", path, false, 0, -1, "%s: section headers beyond the file", path);
		return -1;
	}
	sh = (const Elf64_Shdr *)(o->map + eh->e_shoff);
	o->has_sections = true;
	for (int i = 0; i < eh->e_shnum; i++) {
		const Elf64_Shdr *s = &sh[i];

		if (s->sh_type == SHT_PROGBITS && (s->sh_flags & SHF_EXECINSTR) &&
		    (s->sh_flags & SHF_ALLOC) && s->sh_size) {
			struct coderange *c = grow(o->code, o->nr_code, &cap_code, sizeof(*c));

			if (!c)
				goto oom;
			o->code = c;
			if (!in_file(o, s->sh_offset, s->sh_size)) {
				gate_reason(g, "malformed-elf", path, false, 0, -1,
					    "%s: section %d beyond the file", path, i);
				return -1;
			}
			o->code[o->nr_code++] = (struct coderange){
				s->sh_addr, s->sh_size, o->map + s->sh_offset };
		}
		if ((s->sh_type == SHT_SYMTAB || s->sh_type == SHT_DYNSYM) && s->sh_link < eh->e_shnum &&
		    s->sh_entsize == sizeof(Elf64_Sym) && in_file(o, s->sh_offset, s->sh_size)) {
			const Elf64_Sym *sy = (const Elf64_Sym *)(o->map + s->sh_offset);
			const Elf64_Shdr *st = &sh[s->sh_link];

			for (uint64_t k = 0; k < s->sh_size / sizeof(*sy); k++) {
				int t = ELF64_ST_TYPE(sy[k].st_info);
				const char *name;

				if ((t != STT_FUNC && t != STT_GNU_IFUNC) || sy[k].st_shndx == SHN_UNDEF ||
				    !sy[k].st_value || sy[k].st_name >= st->sh_size ||
				    !(name = str_at(o, st->sh_offset + sy[k].st_name)) || !*name)
					continue;
				struct sym *ns = grow(o->syms, o->nr_syms, &cap_syms, sizeof(*ns));

				if (!ns)
					goto oom;
				o->syms = ns;
				o->syms[o->nr_syms++] = (struct sym){ sy[k].st_value, sy[k].st_size, name };
			}
		}
		if (s->sh_type == SHT_RELA && s->sh_entsize == sizeof(Elf64_Rela) &&
		    in_file(o, s->sh_offset, s->sh_size)) {
			const Elf64_Rela *r = (const Elf64_Rela *)(o->map + s->sh_offset);
			const Elf64_Shdr *symsh = s->sh_link < eh->e_shnum ? &sh[s->sh_link] : NULL;

			for (uint64_t k = 0; k < s->sh_size / sizeof(*r); k++) {
				unsigned int type = ELF64_R_TYPE(r[k].r_info);
				uint64_t si = ELF64_R_SYM(r[k].r_info);
				const Elf64_Sym *sy;
				const char *name;

				if (type == R_X86_64_RELATIVE || type == R_X86_64_IRELATIVE) {
					uint64_t *nr = grow(o->relative, o->nr_relative, &cap_rel, sizeof(*nr));

					if (!nr)
						goto oom;
					o->relative = nr;
					o->relative[o->nr_relative++] = r[k].r_addend;
					continue;
				}
				if ((type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT &&
				     type != R_X86_64_64) || !si || !symsh ||
				    symsh->sh_link >= eh->e_shnum ||
				    !in_file(o, symsh->sh_offset + si * sizeof(Elf64_Sym), sizeof(Elf64_Sym)) ||
				    (si + 1) * sizeof(Elf64_Sym) > symsh->sh_size)
					continue;
				sy = (const Elf64_Sym *)(o->map + symsh->sh_offset) + si;
				if (sy->st_name >= sh[symsh->sh_link].sh_size ||
				    !(name = str_at(o, sh[symsh->sh_link].sh_offset + sy->st_name)))
					continue;
				struct slot *nsl = grow(o->slots, o->nr_slots, &cap_slots, sizeof(*nsl));

				if (!nsl)
					goto oom;
				o->slots = nsl;
				o->slots[o->nr_slots++] = (struct slot){ r[k].r_offset, name };
			}
		}
	}
	qsort(o->syms, o->nr_syms, sizeof(*o->syms), cmp_sym);
	qsort(o->slots, o->nr_slots, sizeof(*o->slots), cmp_slot);
	qsort(o->relative, o->nr_relative, sizeof(*o->relative), cmp_u64);
	return 0;
oom:
	g->oom = true;
	return -1;
}

struct elfobj *elf_load(struct gate *g, int fd, const char *path, const char *role)
{
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	struct elfobj *o = calloc(1, sizeof(*o));
	struct stat st;
	int cap = 0;

	if (!o || !(o->path = strdup(path))) {
		free(o);
		g->oom = true;
		return NULL;
	}
	o->role = role;
	if (fstat(fd, &st)) {
		gate_reason(g, "unreadable", path, false, 0, -1, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode))
		BAD("%s: not a regular file", path);
	if (st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		gate_reason(g, "not-elf", path, false, 0, -1, "%s: not an ELF file (%lld bytes)", path,
			    (long long)st.st_size);
		goto fail;
	}
	o->size = st.st_size;
	o->map = mmap(NULL, o->size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (o->map == MAP_FAILED) {
		o->map = NULL;
		gate_reason(g, "unreadable", path, false, 0, -1, "%s: %s", path, strerror(errno));
		goto fail;
	}
	eh = (const Elf64_Ehdr *)o->map;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG)) {
		gate_reason(g, "not-elf", path, false, 0, -1, "%s: not an ELF file%s", path,
			    o->map[0] == '#' && o->map[1] == '!' ? " (a #! script: its interpreter is not analysed)" : "");
		goto fail;
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64) {
		gate_reason(g, "not-x86-64", path, false, 0, -1,
			    "%s: not an x86-64 ELF (class %d, machine %d): the gate checks the x86-64 syscall table only",
			    path, eh->e_ident[EI_CLASS], eh->e_ident[EI_CLASS] == ELFCLASS64 ? eh->e_machine : 0);
		goto fail;
	}
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		BAD("%s: ELF type %d is neither an executable nor a shared object", path, eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    !in_file(o, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
		BAD("%s: program headers beyond the file", path);
	ph = (const Elf64_Phdr *)(o->map + eh->e_phoff);
	if (read_sections(g, o, path))
		goto fail;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !in_file(o, ph[i].p_offset, ph[i].p_filesz))
			BAD("%s: PT_LOAD %d beyond the file", path, i);
		if (ph[i].p_type == PT_INTERP) {
			if (!in_file(o, ph[i].p_offset, ph[i].p_filesz) || !ph[i].p_filesz ||
			    o->map[ph[i].p_offset + ph[i].p_filesz - 1])
				BAD("%s: PT_INTERP is not a string within the file", path);
			o->interp = (char *)o->map + ph[i].p_offset;
		}
		if (ph[i].p_type == PT_DYNAMIC && read_dynamic(g, o, &ph[i], path))
			goto fail;
		/* without section headers: the executable segments */
		if (!o->has_sections && ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X) &&
		    ph[i].p_filesz) {
			struct coderange *c = grow(o->code, o->nr_code, &cap, sizeof(*c));

			if (!c) {
				g->oom = true;
				goto fail;
			}
			o->code = c;
			o->code[o->nr_code++] = (struct coderange){
				ph[i].p_vaddr, ph[i].p_filesz, o->map + ph[i].p_offset };
		}
	}
	return o;
fail:
	elf_free(o);
	return NULL;
}

void elf_free(struct elfobj *o)
{
	if (!o)
		return;
	disasm_free(o->dis);
	if (o->map)
		munmap(o->map, o->size);
	free(o->path);
	free(o->needed);
	free(o->syms);
	free(o->slots);
	free(o->relative);
	free(o->code);
	free(o);
}

const struct sym *elf_func_at(const struct elfobj *o, uint64_t addr)
{
	int lo = 0, hi = o->nr_syms - 1, best = -1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (o->syms[mid].addr <= addr) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	/* the first of the aliases at that address */
	while (best > 0 && o->syms[best - 1].addr == o->syms[best].addr)
		best--;
	if (best < 0)
		return NULL;
	for (int i = best; i < o->nr_syms && o->syms[i].addr == o->syms[best].addr; i++)
		if (!o->syms[i].size || addr < o->syms[i].addr + o->syms[i].size)
			return &o->syms[i];
	return NULL;
}

bool elf_is_func_start(const struct elfobj *o, uint64_t addr)
{
	const struct sym *s = elf_func_at(o, addr);

	return s && s->addr == addr;
}

const char *elf_slot_name(const struct elfobj *o, uint64_t addr)
{
	struct slot key = { addr, NULL };
	const struct slot *s = bsearch(&key, o->slots, o->nr_slots, sizeof(*o->slots), cmp_slot);

	return s ? s->name : NULL;
}

bool elf_has_relative(const struct elfobj *o, uint64_t addend)
{
	return bsearch(&addend, o->relative, o->nr_relative, sizeof(*o->relative), cmp_u64);
}
