/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of channel layouts over the graph (graph_layout.c, plan.c,
 * rt.c): layouts propagate in topological order (a source's own, an
 * effect its widest input's, ties to the first link, a device node the
 * device's); a link between layouts carries the matrix am_layout_matrix
 * gives, and only such a link (a stereo graph has none: the path it
 * always took); buffers hold frames times channels; a link no rule
 * converts is refused with the graph unchanged; and a rendered period
 * through a conversion is the matrix applied to the source, through
 * rt_cycle as the daemon runs it.
 */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chlayout.h"
#include "dsp.h"
#include "graph.h"
#include "node.h"
#include "plan.h"
#include "rt.h"
#include "t.h"
#define TGRAPH_FILE_GRAPH
#include "tgraph.h"
#include "util.h"

/* A node of type with its defaults but the named numbers and string. */
static uint32_t
mk_args(const char *type, const char *n1, double v1, const char *n2,
    double v2, const char *sname, const char *sval)
{
	const struct node_ops *ops = node_ops_find(type);
	struct node_val v[NODE_ARG_MAX];
	int i;

	memset(v, 0, sizeof(v));
	for (i = 0; i < ops->nargs; i++)
		v[i].num = ops->args[i].def;
	if (n1 != NULL)
		v[node_arg_find(ops, n1)].num = v1;
	if (n2 != NULL)
		v[node_arg_find(ops, n2)].num = v2;
	if (sname != NULL)
		v[node_arg_find(ops, sname)].str = sval;
	return t_node_init(&g, ops, v)->id;
}

#define step_of	t_step_of

/* Any step of p with a conversion matrix? */
static int
any_matrix(const struct plan *p)
{
	uint32_t i;

	for (i = 0; p->steps[i].ops != NULL; i++) {
		if (p->steps[i].mat != NULL)
			return 1;
	}
	return 0;
}

/* A stereo graph: every step 2 in, 2 out, no matrix anywhere. */
static void
test_stereo(void)
{
	uint32_t t, m, gn, s, r;
	struct plan *p;
	uint32_t i, bad = 0;

	t = mk(node_ops_find("tone"), 0);
	m = mk(node_ops_find("mixer"), 0);
	gn = mk(node_ops_find("gain"), 0);
	s = mk(node_ops_find("device_sink"), 0);
	r = mk(node_ops_find("resample"), 44100);
	link_(t, m);
	link_(r, m);
	link_(m, gn);
	link_(gn, s);
	p = plan_new(&g, 128, 48000);
	for (i = 0; p->steps[i].ops != NULL; i++)
		bad += p->steps[i].in_ch != 2 || p->steps[i].out_ch != 2;
	is_int(bad, 0, "stereo graph: every step 2 channels in and out");
	ok(!any_matrix(p), "stereo graph: no conversion matrix");
	ok(step_of(p, m)->sum != NULL && step_of(p, gn)->sum == NULL,
	    "stereo graph: sums only where several links meet");
	plan_del(p);
	clear();
}

/* Propagation and the matrices chosen. */
static void
test_propagate(void)
{
	uint32_t t6, t2, t1, m, gn, s, tie_a, tie_b, mt;
	const struct plan_step *st;
	float want[2 * 6];
	struct node *n;
	struct plan *p;
	char err[160];
	int rc;

	t6 = mk_args("tone", "channels", 6, "spread", 100, NULL, NULL);
	t2 = mk(node_ops_find("tone"), 0);
	t1 = mk_args("tone", "channels", 1, NULL, 0, NULL, NULL);
	m = mk(node_ops_find("mixer"), 0);
	gn = mk(node_ops_find("gain"), 0);
	s = mk(node_ops_find("device_sink"), 0);
	link_(t2, m);		/* first link: stereo */
	link_(t6, m);		/* the widest: 5.1 */
	link_(m, gn);
	link_(gn, s);
	link_(t1, s);		/* mono straight into the device */
	p = plan_new(&g, 64, 48000);
	st = step_of(p, m);
	ok(st->in_ch == 6 && st->out_ch == 6,
	    "a mixer takes its widest input's layout: %u -> %u", st->in_ch,
	    st->out_ch);
	n = graph_node(&g, m);
	ok(n->in_layout.n == 6 && n->out_layout.pos[3] == AM_POS_LFE,
	    "the node records it (for list): 5.1");
	ok(st->mat != NULL && st->nsrc == 2 && st->mat[0] != NULL &&
	    st->mat[1] == NULL && st->srcch[0] == 2 && st->srcch[1] == 6,
	    "stereo into it converted, 5.1 as it is");
	rc = am_layout_matrix(&graph_node(&g, t2)->out_layout, &n->in_layout,
	    want, err, sizeof(err));
	ok(rc == 0 && st->mat[0] != NULL && memcmp(st->mat[0], want,
	    sizeof(float) * 2 * 6) == 0, "with am_layout_matrix's matrix");
	st = step_of(p, gn);
	ok(st->in_ch == 6 && st->out_ch == 6 && st->mat == NULL,
	    "a gain after it: 5.1 through, no conversion");
	st = step_of(p, s);
	ok(st->in_ch == 2 && st->mat != NULL && st->mat[0] != NULL &&
	    st->mat[1] != NULL && st->srcch[0] == 6 && st->srcch[1] == 1,
	    "the device sink takes the device's stereo: 5.1 and mono "
	    "converted");
	rc = am_layout_matrix(&n->out_layout, &g.dev_layout, want, err,
	    sizeof(err));
	ok(rc == 0 && memcmp(st->mat[0], want, sizeof(float) * 2 * 6) == 0,
	    "5.1 -> stereo: the documented down-mix");
	ok(step_of(p, m)->sum != NULL && step_of(p, s)->sum != NULL,
	    "converted inputs are summed into a buffer");
	ok(step_of(p, t6)->out_ch == 6 && step_of(p, t1)->out_ch == 1 &&
	    step_of(p, t2)->out_ch == 2, "sources give their channels");
	plan_del(p);

	/* Ties: two 3-channel inputs, the first link's layout wins. */
	tie_a = mk_args("tone", "channels", 3, NULL, 0, NULL, NULL);
	tie_b = mk_args("tone", "channels", 3, NULL, 0, "layout",
	    "FC,FL,FR");
	mt = mk(node_ops_find("mixer"), 0);
	link_(tie_b, mt);
	rc = link_(tie_a, mt);
	p = plan_new(&g, 64, 48000);
	n = graph_node(&g, mt);
	is_int(rc, 0, "FL,FR,FC into FC,FL,FR: by name");
	ok(n->in_layout.n == 3 && n->in_layout.pos[0] == AM_POS_FC,
	    "a tie goes to the first link: FC,FL,FR");
	plan_del(p);
	clear();
}

/* Refusals leave the graph as it was. */
static void
test_refusal(void)
{
	uint32_t aux, rs4, gn;
	struct link before[8];
	char err[240];
	int nlinks, rc;

	aux = mk_args("tone", "channels", 3, NULL, 0, "layout",
	    "AUX0,AUX1,AUX2");
	gn = mk(node_ops_find("gain"), 0);
	rs4 = mk_args("resample", "rate", 44100, "channels", 4, NULL, NULL);
	link_(aux, gn);
	nlinks = g.nlinks;
	memcpy(before, g.links, sizeof(g.links[0]) * g.nlinks);
	err[0] = '\0';
	rc = graph_link(&g, gn, rs4, err, sizeof(err));
	is_int(rc, -EINVAL, "3 AUX channels into a 4-channel resample: "
	    "refused");
	ok(strstr(err, "channel_map") != NULL, "the error names channel_map: "
	    "%s", err);
	ok(g.nlinks == nlinks && memcmp(before, g.links, sizeof(g.links[0]) *
	    nlinks) == 0, "the links are as they were");
	ok(graph_layout_check(&g, err, sizeof(err)) == 0,
	    "and the graph still compiles");
	clear();
}

/*
 * A period through rt_cycle: a mono tone and a 5.1 one into the stereo
 * device: dev_out is each source's period through its
 * matrix, summed.
 */
static void
test_render(void)
{
	static struct rt rt;
	static float src1[64], src3[64 * 6], want[64 * 2];
	float m1[2], m3[2 * 6];
	uint32_t t1, t3, s, i;
	int rc;
	struct plan *p;
	char err[160];
	double worst = 0, e;

	t1 = mk_args("tone", "channels", 1, "freq", 1000, NULL, NULL);
	t3 = mk_args("tone", "channels", 6, "spread", 500, NULL, NULL);
	s = mk(node_ops_find("device_sink"), 0);
	rc = link_(t1, s);
	rc |= link_(t3, s);
	is_int(rc, 0, "mono and 5.1 into the stereo device");
	if (!ok(rt_init(&rt) == 0, "rt_init"))
		return;
	p = plan_new(&g, 64, 48000);
	p->seq = 1;
	atomic_store(&rt.pending, p);
	rt.skip_meters = 1;
	rt_cycle(&rt, 64, 48000);
	/* The sources' own period, kept by the plan in their buffers. */
	memcpy(src1, step_of(p, t1)->out, sizeof(src1));
	memcpy(src3, step_of(p, t3)->out, sizeof(src3));
	(void)am_layout_matrix(&graph_node(&g, t1)->out_layout,
	    &g.dev_layout, m1, err, sizeof(err));
	(void)am_layout_matrix(&graph_node(&g, t3)->out_layout,
	    &g.dev_layout, m3, err, sizeof(err));
	memset(want, 0, sizeof(want));
	dsp_matrix_add(want, src1, 64, 1, 2, m1);
	dsp_matrix_add(want, src3, 64, 6, 2, m3);
	for (i = 0; i < 128; i++) {
		e = fabs(rt.dev_out[i] - want[i]);
		worst = e > worst ? e : worst;
	}
	ok(worst == 0, "dev_out = mono and 5.1 through their matrices: "
	    "off by %g (%g, want %g)", worst, rt.dev_out[5], want[5]);
	ok(fabs(src3[6 * 10 + 2] - sin(2 * M_PI * 1440.0 * 10 / 48000)) <
	    1e-5, "the 5.1 tone's FC is at freq + 2 spread");
	ok(src1[10] != 0 && fabs(rt.dev_out[20] - rt.dev_out[21]) < 1e-6 +
	    fabs(src3[60] - src3[61]) * 2, "mono reached both sides");
	rt.cur = NULL;
	plan_del(p);
	rt_done(&rt);
	clear();
}

/*
 * The device's layout changes under a graph (another device opened):
 * the plan is still made; a link no rule converts any more is silent
 * (a zero matrix), and a hook that refuses mutes its node.
 */
static void
test_device_change(void)
{
	uint32_t t, s, m, s2, k, nz = 0;
	const struct plan_step *st;
	struct am_layout saved = g.dev_layout;
	struct plan *p;
	char err[160];

	t = mk_args("tone", "channels", 6, NULL, 0, NULL, NULL);
	s = mk(node_ops_find("device_sink"), 0);
	m = mk_args("channel_map", NULL, 0, NULL, 0, NULL, NULL);
	s2 = mk(node_ops_find("device_sink"), 0);
	is_int(link_(t, s) | link_(t, m) | link_(m, s2), 0,
	    "5.1 into the stereo device, straight and through a channel_map");
	(void)am_layout_parse(&g.dev_layout, "AUX0,AUX1,AUX2,AUX3", err,
	    sizeof(err));
	ok(graph_layout_check(&g, err, sizeof(err)) < 0,
	    "a 4-AUX device: the graph no longer checks (%s)", err);
	p = plan_new(&g, 64, 48000);
	st = step_of(p, s);
	ok(p != NULL && st->in_ch == 4 && st->mat != NULL &&
	    st->mat[0] != NULL, "the plan is made: the sink takes 4 channels");
	for (k = 0; st->mat != NULL && st->mat[0] != NULL && k < 4 * 6; k++)
		nz += st->mat[0][k] != 0.0f;
	is_int(nz, 0, "the link no rule converts is silent");
	plan_del(p);
	g.dev_layout = saved;
	clear();
}

int
main(void)
{
	graph_init(&g);
	test_stereo();
	test_propagate();
	test_refusal();
	test_render();
	test_device_change();
	return t_done();
}
