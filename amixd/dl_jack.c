/* SPDX-License-Identifier: MIT */
/*
 * libjack, loaded when the JACK backend is first opened rather than when
 * amixd starts. Linking libjack pulls in libstdc++, libgcc_s and libdb:
 * about 5 ms of dynamic loading on every start, for a backend most
 * starts never use. Here every JACK function amixd calls is defined with
 * JACK's own prototype (from <jack/jack.h>, so the compiler checks them)
 * and forwards through a pointer that dl_jack_load fills (dl.c).
 * The linker then finds no need for libjack (-Wl,--as-needed).
 *
 * dl_jack_load runs on the control thread before any other JACK call;
 * the pointers are written once and only read afterwards, and the
 * server's threads start after (jack_activate), so they see them. The
 * process callback's calls (jack_port_get_buffer) cost one indirect
 * call: no lock, no allocation.
 */

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include <jack/jack.h>
#include <jack/statistics.h>

#include "dl.h"

#define DL_JACK_SONAME	"libjack.so.0"

/* X(return type, name, parameters, arguments): forwarded as is. */
#define DL_JACK_FUNCS \
	X(void *, jack_port_get_buffer, (jack_port_t *p, jack_nframes_t n), \
	    (p, n)) \
	X(jack_port_t *, jack_port_register, (jack_client_t *c, \
	    const char *name, const char *type, unsigned long flags, \
	    unsigned long size), (c, name, type, flags, size)) \
	X(const char *, jack_port_name, (const jack_port_t *p), (p)) \
	X(jack_port_t *, jack_port_by_name, (jack_client_t *c, \
	    const char *name), (c, name)) \
	X(int, jack_port_flags, (const jack_port_t *p), (p)) \
	X(const char **, jack_get_ports, (jack_client_t *c, const char *name, \
	    const char *type, unsigned long flags), (c, name, type, flags)) \
	X(jack_nframes_t, jack_frame_time, (const jack_client_t *c), (c)) \
	X(int, jack_connect, (jack_client_t *c, const char *from, \
	    const char *to), (c, from, to)) \
	X(int, jack_client_name_size, (void), ()) \
	X(int, jack_set_xrun_callback, (jack_client_t *c, \
	    JackXRunCallback cb, void *arg), (c, cb, arg)) \
	X(int, jack_set_sample_rate_callback, (jack_client_t *c, \
	    JackSampleRateCallback cb, void *arg), (c, cb, arg)) \
	X(int, jack_set_process_callback, (jack_client_t *c, \
	    JackProcessCallback cb, void *arg), (c, cb, arg)) \
	X(int, jack_set_freewheel_callback, (jack_client_t *c, \
	    JackFreewheelCallback cb, void *arg), (c, cb, arg)) \
	X(int, jack_set_buffer_size_callback, (jack_client_t *c, \
	    JackBufferSizeCallback cb, void *arg), (c, cb, arg)) \
	X(int, jack_is_realtime, (jack_client_t *c), (c)) \
	X(float, jack_get_xrun_delayed_usecs, (jack_client_t *c), (c)) \
	X(jack_time_t, jack_get_time, (void), ()) \
	X(jack_nframes_t, jack_get_sample_rate, (jack_client_t *c), (c)) \
	X(int, jack_get_cycle_times, (const jack_client_t *c, \
	    jack_nframes_t *frames, jack_time_t *usecs, jack_time_t *next, \
	    float *period), (c, frames, usecs, next, period)) \
	X(char *, jack_get_client_name, (jack_client_t *c), (c)) \
	X(jack_nframes_t, jack_get_buffer_size, (jack_client_t *c), (c)) \
	X(int, jack_deactivate, (jack_client_t *c), (c)) \
	X(jack_native_thread_t, jack_client_thread_id, (jack_client_t *c), \
	    (c)) \
	X(int, jack_client_close, (jack_client_t *c), (c)) \
	X(int, jack_activate, (jack_client_t *c), (c))

/* V(name, parameters, arguments): functions returning nothing. */
#define DL_JACK_VOIDS \
	V(jack_free, (void *p), (p)) \
	V(jack_set_error_function, (void (*f)(const char *)), (f)) \
	V(jack_set_info_function, (void (*f)(const char *)), (f)) \
	V(jack_on_info_shutdown, (jack_client_t *c, \
	    JackInfoShutdownCallback cb, void *arg), (c, cb, arg)) \
	V(jack_port_get_latency_range, (jack_port_t *p, \
	    jack_latency_callback_mode_t m, jack_latency_range_t *r), (p, m, r))

static struct dl_jack {
#define X(ret, name, params, args) ret (*name) params;
#define V(name, params, args) void (*name) params;
	DL_JACK_FUNCS
	DL_JACK_VOIDS
#undef X
#undef V
	jack_client_t *(*jack_client_open)(const char *, jack_options_t,
	    jack_status_t *, ...);
} dl_jack;

static pthread_once_t dl_jack_once = PTHREAD_ONCE_INIT;
static char dl_jack_err[256];	/* empty: loaded */

static void
dl_jack_open(void)
{
	static const struct dl_sym syms[] = {
#define X(ret, name, params, args) { #name, &dl_jack.name },
#define V(name, params, args) X(void, name, params, args)
		DL_JACK_FUNCS
		DL_JACK_VOIDS
		X(jack_client_t *, jack_client_open, (), ())
#undef X
#undef V
	};

	dl_resolve(DL_JACK_SONAME, syms, sizeof(syms) / sizeof(syms[0]),
	    dl_jack_err, sizeof(dl_jack_err));
}

int
dl_jack_load(char *err, size_t errlen)
{
	pthread_once(&dl_jack_once, dl_jack_open);
	if (dl_jack_err[0] == '\0')
		return 0;
	snprintf(err, errlen, "jack: %s", dl_jack_err);
	return -1;
}

#define X(ret, name, params, args) ret name params \
	{ return dl_jack.name args; }
#define V(name, params, args) void name params { dl_jack.name args; }
DL_JACK_FUNCS
DL_JACK_VOIDS
#undef X
#undef V

/* Variadic: the only extra argument amixd could pass is a server name. */
jack_client_t *
jack_client_open(const char *name, jack_options_t options,
    jack_status_t *status, ...)
{
	jack_client_t *c;
	const char *server;
	va_list ap;

	if (!(options & JackServerName))
		return dl_jack.jack_client_open(name, options, status);
	va_start(ap, status);
	server = va_arg(ap, const char *);
	c = dl_jack.jack_client_open(name, options, status, server);
	va_end(ap);
	return c;
}
