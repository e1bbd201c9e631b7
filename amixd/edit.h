/* SPDX-License-Identifier: MIT */
#ifndef EDIT_H
#define EDIT_H

#include <stdint.h>

struct engine;
struct graph;

int edit_commit(struct engine *e);
void edit_save(const struct graph *g);
void edit_undo(struct graph *g);
int edit_remove(struct engine *e, uint32_t id);

#endif /* !defined(EDIT_H) */
