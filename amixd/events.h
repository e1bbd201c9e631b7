/* SPDX-License-Identifier: MIT */
#ifndef EVENTS_H
#define EVENTS_H

struct engine;

void events_init(struct engine *e);
void events_done(void);
void events_state(void);
void events_node_errors(void);

#endif /* !defined(EVENTS_H) */
