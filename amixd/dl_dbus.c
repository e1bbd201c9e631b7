/* SPDX-License-Identifier: MIT */
/*
 * libdbus-1, loaded the first time the daemon asks RealtimeKit for real
 * time (rtkit.c) rather than when amixd starts: most starts run as root
 * or with CAP_SYS_NICE and never need it, and every start would pay for
 * loading it. As in dl_jack.c, each function amixd calls is defined with
 * libdbus's own prototype (from <dbus/dbus.h>, so the compiler checks
 * them) and forwards through a pointer that dl_dbus_load fills (dl.c);
 * the linker then finds no need for libdbus (-Wl,--as-needed).
 *
 * Control thread only: rtkit.c is its one user, and the real-time thread
 * never calls into D-Bus.
 */

#include <pthread.h>
#include <stdio.h>

#include <dbus/dbus.h>

#include "dl.h"

#define DL_DBUS_SONAME	"libdbus-1.so.3"

/* X(return type, name, parameters, arguments): forwarded as is. */
#define DL_DBUS_FUNCS \
	X(DBusConnection *, dbus_bus_get_private, (DBusBusType type, \
	    DBusError *error), (type, error)) \
	X(DBusMessage *, dbus_message_new_method_call, \
	    (const char *bus_name, const char *path, const char *iface, \
	    const char *method), (bus_name, path, iface, method)) \
	X(dbus_bool_t, dbus_message_iter_append_basic, \
	    (DBusMessageIter *iter, int type, const void *value), \
	    (iter, type, value)) \
	X(DBusMessage *, dbus_connection_send_with_reply_and_block, \
	    (DBusConnection *connection, DBusMessage *message, \
	    int timeout_milliseconds, DBusError *error), \
	    (connection, message, timeout_milliseconds, error)) \
	X(dbus_bool_t, dbus_message_iter_init, (DBusMessage *message, \
	    DBusMessageIter *iter), (message, iter)) \
	X(int, dbus_message_iter_get_arg_type, (DBusMessageIter *iter), \
	    (iter))

/* V(name, parameters, arguments): functions returning nothing. */
#define DL_DBUS_VOIDS \
	V(dbus_error_init, (DBusError *error), (error)) \
	V(dbus_error_free, (DBusError *error), (error)) \
	V(dbus_connection_set_change_sigpipe, \
	    (dbus_bool_t will_modify_sigpipe), (will_modify_sigpipe)) \
	V(dbus_connection_set_exit_on_disconnect, \
	    (DBusConnection *connection, dbus_bool_t exit_on_disconnect), \
	    (connection, exit_on_disconnect)) \
	V(dbus_connection_close, (DBusConnection *connection), (connection)) \
	V(dbus_connection_unref, (DBusConnection *connection), (connection)) \
	V(dbus_message_unref, (DBusMessage *message), (message)) \
	V(dbus_message_iter_init_append, (DBusMessage *message, \
	    DBusMessageIter *iter), (message, iter)) \
	V(dbus_message_iter_recurse, (DBusMessageIter *iter, \
	    DBusMessageIter *sub), (iter, sub)) \
	V(dbus_message_iter_get_basic, (DBusMessageIter *iter, void *value), \
	    (iter, value))

static struct dl_dbus {
#define X(ret, name, params, args) ret (*name) params;
#define V(name, params, args) void (*name) params;
	DL_DBUS_FUNCS
	DL_DBUS_VOIDS
#undef X
#undef V
} dl_dbus;

static pthread_once_t dl_dbus_once = PTHREAD_ONCE_INIT;
static char dl_dbus_err[256];	/* empty: loaded */

static void
dl_dbus_open(void)
{
	static const struct dl_sym syms[] = {
#define X(ret, name, params, args) { #name, &dl_dbus.name },
#define V(name, params, args) X(void, name, params, args)
		DL_DBUS_FUNCS
		DL_DBUS_VOIDS
#undef X
#undef V
	};

	dl_resolve(DL_DBUS_SONAME, syms, sizeof(syms) / sizeof(syms[0]),
	    dl_dbus_err, sizeof(dl_dbus_err));
}

int
dl_dbus_load(char *err, size_t errlen)
{
	pthread_once(&dl_dbus_once, dl_dbus_open);
	if (dl_dbus_err[0] == '\0')
		return 0;
	snprintf(err, errlen, "%s", dl_dbus_err);
	return -1;
}

#define X(ret, name, params, args) ret name params \
	{ return dl_dbus.name args; }
#define V(name, params, args) void name params { dl_dbus.name args; }
DL_DBUS_FUNCS
DL_DBUS_VOIDS
#undef X
#undef V
