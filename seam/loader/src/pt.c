/*
 * Page-table builder for the module's linear address space.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/tdx_types.h>

#include "pmem.h"
#include "pt.h"

struct pt_node {
	unsigned int level;	/* 4 = PML4 ... 1 = PT */
	uint64_t prefix;	/* linear address bits above this table's span */
	uint64_t pa;
	uint64_t entry[512];
};

static unsigned int level_shift(unsigned int level)
{
	return 12 + 9 * level;	/* bits covered by one whole table */
}

void pt_init(struct pt_builder *b, uint64_t pool_pa)
{
	memset(b, 0, sizeof(*b));
	b->pool_pa = pool_pa;
}

void pt_fini(struct pt_builder *b)
{
	free(b->nodes);
	b->nodes = NULL;
	b->nr_nodes = b->cap = 0;
}

static struct pt_node *node_get(struct pt_builder *b, unsigned int level, uint64_t la)
{
	uint64_t prefix = level == 4 ? 0 : (la & 0x0000FFFFFFFFFFFFULL) >> level_shift(level);
	struct pt_node *n;

	for (unsigned int i = 0; i < b->nr_nodes; i++)
		if (b->nodes[i].level == level && b->nodes[i].prefix == prefix)
			return &b->nodes[i];
	if (b->nr_nodes == b->cap) {
		unsigned int cap = b->cap ? b->cap * 2 : 16;
		struct pt_node *nodes = realloc(b->nodes, cap * sizeof(*nodes));

		if (!nodes) {
			b->failed = true;
			return NULL;
		}
		b->nodes = nodes;
		b->cap = cap;
	}
	n = &b->nodes[b->nr_nodes];
	memset(n, 0, sizeof(*n));
	n->level = level;
	n->prefix = prefix;
	n->pa = b->pool_pa + (uint64_t)b->nr_nodes * TDX_PAGE_SIZE;
	b->nr_nodes++;
	return n;
}

static unsigned int index_at(unsigned int level, uint64_t la)
{
	return (unsigned int)((la >> (12 + 9 * (level - 1))) & 511);
}

/* Walk to the leaf table for @la, creating tables on the way. */
static struct pt_node *walk_create(struct pt_builder *b, uint64_t la)
{
	struct pt_node *n = node_get(b, 4, la);

	for (unsigned int level = 4; n && level > 1; level--) {
		struct pt_node *child = node_get(b, level - 1, la);

		if (!child)
			return NULL;
		/* node_get may move nodes: look the parent up again. */
		n = node_get(b, level, la);
		n->entry[index_at(level, la)] = child->pa | PTE_P | PTE_RW;
		n = child;
	}
	return n;
}

void pt_map(struct pt_builder *b, uint64_t la, uint64_t pa, uint64_t npages, uint64_t flags)
{
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t a = la + i * TDX_PAGE_SIZE;
		struct pt_node *leaf = walk_create(b, a);

		if (!leaf)
			return;
		leaf->entry[index_at(1, a)] = ((pa + i * TDX_PAGE_SIZE) & PTE_ADDR_MASK) | flags;
	}
}

void pt_ensure(struct pt_builder *b, uint64_t la, uint64_t npages)
{
	for (uint64_t i = 0; i < npages; i += 512)
		walk_create(b, la + i * TDX_PAGE_SIZE);
	if (npages)
		walk_create(b, la + (npages - 1) * TDX_PAGE_SIZE);
}

uint64_t pt_leaf_table_pa(struct pt_builder *b, uint64_t la)
{
	struct pt_node *n = node_get(b, 1, la);

	return n ? n->pa : 0;
}

uint64_t pt_root_pa(struct pt_builder *b)
{
	struct pt_node *n = node_get(b, 4, 0);

	return n ? n->pa : 0;
}

uint64_t pt_nr_pages(const struct pt_builder *b)
{
	return b->nr_nodes;
}

int pt_commit(struct pt_builder *b, struct plat_lp *lp)
{
	if (b->failed)
		return -ENOMEM;
	for (unsigned int i = 0; i < b->nr_nodes; i++) {
		int ret = pmem_seam_write(lp, b->nodes[i].pa, b->nodes[i].entry,
					  sizeof(b->nodes[i].entry));

		if (ret)
			return ret;
	}
	return 0;
}
