/* SPDX-License-Identifier: MIT */
/*
 * cmdline: the short command language of amctl and render scripts.
 *
 * One request is a command word and arguments ("connect 1 2",
 * "create tone freq=440"), turned into the JSON request of control
 * protocol v0 by am_cmd_parse(). A first word starting with '{' is a
 * raw JSON request and passes through after a syntax check. Argument
 * values become numbers, booleans, arrays (JSON) or strings by their
 * look, so the daemon sees the same request whether it was typed or
 * written as JSON.
 * Where a node is expected (connect, disconnect, destroy, set) a word of
 * digits is its id and any other valid node name is sent as the name;
 * "create TYPE name=NAME" puts the name at the request's top level.
 *
 * am_cmd_parse_line() splits a text line into words first, shell-like:
 * blanks separate words; "double" and 'single' quotes group blanks into
 * a word; a backslash escapes the next character (inside double quotes
 * only before " \ and $). A line whose first non-blank is '{' is one
 * JSON word.
 *
 * Scripts (am_script_line) add three things per line: '#' comments,
 * "name = command" bindings, and $name / ${name} references to the ids
 * bound so far, replaced by the decimal id before the line is parsed.
 * References are replaced everywhere except inside single quotes and
 * after a backslash; in a JSON line everywhere, and only a line starting
 * with '#' is a comment there (a '#' inside JSON text is data).
 *
 * Errors never print: they return NULL or -1 with a message in err,
 * for the caller to prefix with its name or the script line. Control
 * thread or tools; allocates (x* helpers: failure panics).
 */

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cmdline.h"
#include "target.h"
#include "util.h"

/* Words of a command and how to turn them into a request. */
struct cmd_desc {
	const char *word;		/* as typed */
	const char *name;		/* "cmd" of the request */
	int (*parse)(cJSON *, const char *, int, char *const[], char *,
	    size_t);
};

/* Growing string for script substitution. */
struct cmd_sbuf {
	char *s;
	size_t len;
	size_t cap;
};

/*
 * Write a message into err (if any room); return -1 for convenience.
 */
static int __attribute__((format(printf, 3, 4)))
cmd_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * cJSON returns NULL only when out of memory: treat like xmalloc.
 */
static cJSON *
cmd_chk(cJSON *j)
{
	if (j == NULL)
		panic("out of memory building a request");
	return j;
}

/*
 * Add or replace member key of obj (a repeated key=value keeps the last).
 */
static void
cmd_set(cJSON *obj, const char *key, cJSON *val)
{
	if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, val);
	else if (!cJSON_AddItemToObject(obj, key, val))
		panic("out of memory building a request");
}

/*
 * JSON value of an argument: true/false, a finite decimal number (all
 * of it, strtod syntax without hex), a JSON array ("[1,0]",
 * "[[1,0],[0,1]]", '["FR","FL"]'), else the string itself.
 */
static cJSON *
cmd_value(const char *v)
{
	cJSON *j;
	double d;

	if (v[0] == '[' && (j = cJSON_Parse(v)) != NULL) {
		if (cJSON_IsArray(j))
			return j;
		cJSON_Delete(j);
	}
	if (strcmp(v, "true") == 0)
		return cmd_chk(cJSON_CreateTrue());
	if (strcmp(v, "false") == 0)
		return cmd_chk(cJSON_CreateFalse());
	if (strpbrk(v, "xX") == NULL &&
	    am_parse_double(v, -DBL_MAX, DBL_MAX, &d) == 0)
		return cmd_chk(cJSON_CreateNumber(d));
	return cmd_chk(cJSON_CreateString(v));
}

/*
 * Add the key=value argument arg to obj. Keys are [A-Za-z0-9_]+; key
 * "cmd" is refused when reserved (top-level fields).
 */
static int
cmd_kv(cJSON *obj, const char *arg, int reserved, char *err, size_t errlen)
{
	char key[128];
	const char *eq, *p;
	size_t n;

	if ((eq = strchr(arg, '=')) == NULL || eq == arg)
		return cmd_err(err, errlen,
		    "bad argument '%s': expected key=value", arg);
	n = (size_t)(eq - arg);
	for (p = arg; p < eq; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return cmd_err(err, errlen, "bad argument '%s': "
			    "key must be letters, digits or '_'", arg);
	if (n >= sizeof(key))
		return cmd_err(err, errlen, "bad argument '%.40s...': "
		    "key too long", arg);
	memcpy(key, arg, n);
	key[n] = '\0';
	if (reserved && strcmp(key, "cmd") == 0)
		return cmd_err(err, errlen, "bad argument '%s': "
		    "key 'cmd' is reserved", arg);
	cmd_set(obj, key, cmd_value(eq + 1));
	return 0;
}

/*
 * All of argv as key=value into obj.
 */
static int
cmd_kvs(cJSON *obj, int argc, char *const argv[], int reserved, char *err,
    size_t errlen)
{
	int i;

	for (i = 0; i < argc; i++)
		if (cmd_kv(obj, argv[i], reserved, err, errlen) < 0)
			return -1;
	return 0;
}

/*
 * A node: a decimal id >= 1 (a JSON number), or a node name (a JSON
 * string; names are never all digits, so the two cannot clash). NULL
 * with a message when s is neither.
 */
static cJSON *
cmd_id(const char *word, const char *s, char *err, size_t errlen)
{
	char why[128];
	long id;

	if (s[0] != '\0' && strspn(s, "0123456789") == strlen(s)) {
		if (am_parse_long(s, 1, LONG_MAX, &id) < 0) {
			cmd_err(err, errlen, "%s: bad node id '%s': expected "
			    "an integer >= 1 or a name", word, s);
			return NULL;
		}
		return cmd_chk(cJSON_CreateNumber((double)id));
	}
	if (am_name_valid(s, why, sizeof(why)) < 0) {
		cmd_err(err, errlen, "%s: bad node '%s': expected an id or a "
		    "name (%s)", word, s, why);
		return NULL;
	}
	return cmd_chk(cJSON_CreateString(s));
}

/*
 * ping, list, stats, start, stop, device_close: no arguments.
 */
static int
cmd_noargs(cJSON *req, const char *word, int argc, char *const argv[],
    char *err, size_t errlen)
{
	(void)req;
	if (argc > 0)
		return cmd_err(err, errlen, "%s: unexpected argument '%s'",
		    word, argv[0]);
	return 0;
}

/*
 * backend DRIVER
 */
static int
cmd_backend(cJSON *req, const char *word, int argc, char *const argv[],
    char *err, size_t errlen)
{
	if (argc != 1 || strchr(argv[0], '=') != NULL)
		return cmd_err(err, errlen, "%s: expected DRIVER", word);
	cmd_set(req, "driver", cmd_chk(cJSON_CreateString(argv[0])));
	return 0;
}

/*
 * open [key=value ...]: fields at top level.
 */
static int
cmd_open(cJSON *req, const char *word, int argc, char *const argv[],
    char *err, size_t errlen)
{
	(void)word;
	return cmd_kvs(req, argc, argv, 1, err, errlen);
}

/*
 * create TYPE [name=NAME] [key=value ...]:
 * {"type":TYPE,"name":NAME,"args":{...}}. name= is the node's name, a
 * string at top level, never an argument (no node type has one).
 */
static int
cmd_create(cJSON *req, const char *word, int argc, char *const argv[],
    char *err, size_t errlen)
{
	cJSON *args;
	int i;

	if (argc < 1 || argv[0][0] == '\0' || strchr(argv[0], '=') != NULL)
		return cmd_err(err, errlen, "%s: expected TYPE [key=value ...]",
		    word);
	cmd_set(req, "type", cmd_chk(cJSON_CreateString(argv[0])));
	args = cmd_chk(cJSON_CreateObject());
	cmd_set(req, "args", args);
	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "name=", 5) == 0)
			cmd_set(req, "name",
			    cmd_chk(cJSON_CreateString(argv[i] + 5)));
		else if (cmd_kv(args, argv[i], 0, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/*
 * connect FROM TO, disconnect FROM TO.
 */
static int
cmd_link(cJSON *req, const char *word, int argc, char *const argv[],
    char *err, size_t errlen)
{
	cJSON *from, *to;

	if (argc != 2)
		return cmd_err(err, errlen, "%s: expected FROM TO", word);
	if ((from = cmd_id(word, argv[0], err, errlen)) == NULL)
		return -1;
	if ((to = cmd_id(word, argv[1], err, errlen)) == NULL) {
		cJSON_Delete(from);
		return -1;
	}
	cmd_set(req, "from", from);
	cmd_set(req, "to", to);
	return 0;
}

/*
 * destroy ID
 */
static int
cmd_destroy(cJSON *req, const char *word, int argc, char *const argv[],
    char *err, size_t errlen)
{
	cJSON *id;

	if (argc != 1)
		return cmd_err(err, errlen, "%s: expected ID", word);
	if ((id = cmd_id(word, argv[0], err, errlen)) == NULL)
		return -1;
	cmd_set(req, "id", id);
	return 0;
}

/*
 * set ID key=value ...
 */
static int
cmd_setargs(cJSON *req, const char *word, int argc, char *const argv[],
    char *err, size_t errlen)
{
	cJSON *args, *id;

	if (argc < 2)
		return cmd_err(err, errlen, "%s: expected ID key=value ...",
		    word);
	if ((id = cmd_id(word, argv[0], err, errlen)) == NULL)
		return -1;
	cmd_set(req, "id", id);
	args = cmd_chk(cJSON_CreateObject());
	cmd_set(req, "args", args);
	return cmd_kvs(args, argc - 1, argv + 1, 0, err, errlen);
}

/*
 * "events":[argv...], when argc > 0.
 */
static void
cmd_events(cJSON *req, int argc, char *const argv[])
{
	cJSON *ev;
	int i;

	if (argc == 0)
		return;
	ev = cmd_chk(cJSON_CreateArray());
	cmd_set(req, "events", ev);
	for (i = 0; i < argc; i++)
		if (!cJSON_AddItemToArray(ev,
		    cmd_chk(cJSON_CreateString(argv[i]))))
			panic("out of memory building a request");
}

/*
 * subscribe EVENT ...
 */
static int
cmd_subscribe(cJSON *req, const char *word, int argc, char *const argv[],
    char *err, size_t errlen)
{
	if (argc < 1)
		return cmd_err(err, errlen, "%s: expected EVENT ...", word);
	cmd_events(req, argc, argv);
	return 0;
}

/*
 * unsubscribe [EVENT ...]: no events means all.
 */
static int
cmd_unsubscribe(cJSON *req, const char *word, int argc, char *const argv[],
    char *err, size_t errlen)
{
	(void)word;
	(void)err;
	(void)errlen;
	cmd_events(req, argc, argv);
	return 0;
}

/*
 * render SECONDS: a finite number > 0.
 */
static int
cmd_render(cJSON *req, const char *word, int argc, char *const argv[],
    char *err, size_t errlen)
{
	double sec;

	if (argc != 1)
		return cmd_err(err, errlen, "%s: expected SECONDS", word);
	if (am_parse_double(argv[0], 0, DBL_MAX, &sec) < 0 || sec <= 0)
		return cmd_err(err, errlen,
		    "%s: bad SECONDS '%s': expected a number > 0", word,
		    argv[0]);
	cmd_set(req, "seconds", cmd_chk(cJSON_CreateNumber(sec)));
	return 0;
}

static const struct cmd_desc cmd_tab[] = {
	{ "ping",		"ping",		cmd_noargs },
	{ "list",		"list",		cmd_noargs },
	{ "stats",		"stats",	cmd_noargs },
	{ "start",		"start",	cmd_noargs },
	{ "stop",		"stop",		cmd_noargs },
	{ "device_close",	"device_close",	cmd_noargs },
	{ "backend",		"backend",	cmd_backend },
	{ "open",		"device_open",	cmd_open },
	{ "device_open",	"device_open",	cmd_open },
	{ "create",		"create_node",	cmd_create },
	{ "create_node",	"create_node",	cmd_create },
	{ "connect",		"connect",	cmd_link },
	{ "disconnect",		"disconnect",	cmd_link },
	{ "destroy",		"destroy_node",	cmd_destroy },
	{ "destroy_node",	"destroy_node",	cmd_destroy },
	{ "set",		"set",		cmd_setargs },
	{ "subscribe",		"subscribe",	cmd_subscribe },
	{ "unsubscribe",	"unsubscribe",	cmd_unsubscribe },
	{ "render",		"render",	cmd_render },
};

/*
 * A raw JSON request: the only word, an object.
 */
static cJSON *
cmd_json(int argc, char *const argv[], char *err, size_t errlen)
{
	const char *ep;
	cJSON *j;

	if (argc != 1) {
		cmd_err(err, errlen,
		    "a JSON request must be the only argument");
		return NULL;
	}
	if ((j = cJSON_ParseWithOpts(argv[0], &ep, 1)) == NULL) {
		if (ep == NULL || *ep == '\0')
			cmd_err(err, errlen,
			    "bad JSON request: unexpected end");
		else
			cmd_err(err, errlen, "bad JSON request at byte %zu: "
			    "'%.20s'", (size_t)(ep - argv[0]), ep);
		return NULL;
	}
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		cmd_err(err, errlen, "a JSON request must be an object");
		return NULL;
	}
	return j;
}

/*
 * Turn a command (argv[0] the command word) into a new JSON request the
 * caller cJSON_Delete()s. NULL with a message in err on bad input.
 */
cJSON *
am_cmd_parse(int argc, char *const argv[], char *err, size_t errlen)
{
	const struct cmd_desc *d;
	cJSON *req;
	size_t i;

	if (argc < 1 || argv[0][0] == '\0') {
		cmd_err(err, errlen, "empty command");
		return NULL;
	}
	if (argv[0][0] == '{')
		return cmd_json(argc, argv, err, errlen);
	for (i = 0; i < AM_NELEM(cmd_tab); i++)
		if (strcmp(cmd_tab[i].word, argv[0]) == 0)
			break;
	if (i == AM_NELEM(cmd_tab)) {
		cmd_err(err, errlen, "unknown command '%s'", argv[0]);
		return NULL;
	}
	d = &cmd_tab[i];
	req = cmd_chk(cJSON_CreateObject());
	cmd_set(req, "cmd", cmd_chk(cJSON_CreateString(d->name)));
	if (d->parse(req, d->word, argc - 1, argv + 1, err, errlen) < 0) {
		cJSON_Delete(req);
		return NULL;
	}
	return req;
}

/*
 * Split line into words in place of store (at least strlen(line) + 1
 * bytes), pointers into argv (room for strlen(line) / 2 + 1 words).
 * Quoting as in the module comment. Return the word count or -1.
 */
static int
cmd_split(const char *line, char *store, char **argv, char *err,
    size_t errlen)
{
	const char *p;
	char *o, q;
	int argc, inword;

	argc = 0;
	inword = 0;
	q = 0;
	o = store;
	for (p = line; ; p++) {
		if (q == '\'') {
			if (*p == '\0')
				break;
			if (*p == '\'')
				q = 0;
			else
				*o++ = *p;
			continue;
		}
		if (q == '"') {
			if (*p == '\0')
				break;
			if (*p == '"')
				q = 0;
			else if (*p == '\\' && (p[1] == '"' || p[1] == '\\' ||
			    p[1] == '$'))
				*o++ = *++p;
			else
				*o++ = *p;
			continue;
		}
		if (*p == '\0' || isspace((unsigned char)*p)) {
			if (inword) {
				*o++ = '\0';
				inword = 0;
			}
			if (*p == '\0')
				break;
			continue;
		}
		if (!inword) {
			argv[argc++] = o;
			inword = 1;
		}
		if (*p == '\'' || *p == '"')
			q = *p;
		else if (*p == '\\' && p[1] != '\0')
			*o++ = *++p;
		else
			*o++ = *p;
	}
	if (q != 0)
		return cmd_err(err, errlen, "unterminated %s quote",
		    q == '"' ? "double" : "single");
	return argc;
}

/*
 * Parse one text line (see am_cmd_parse and the module comment for
 * quoting) into a new JSON request. NULL with a message in err.
 */
cJSON *
am_cmd_parse_line(const char *line, char *err, size_t errlen)
{
	char *store, **argv, *one[1];
	cJSON *req;
	size_t n;
	int argc;

	while (isspace((unsigned char)*line))
		line++;
	if (*line == '{') {
		one[0] = (char *)line;
		return am_cmd_parse(1, one, err, errlen);
	}
	n = strlen(line);
	store = xmalloc(n + 1);
	argv = xmalloc((n / 2 + 1) * sizeof(*argv));
	req = NULL;
	if ((argc = cmd_split(line, store, argv, err, errlen)) >= 0)
		req = am_cmd_parse(argc, argv, err, errlen);
	free(argv);
	free(store);
	return req;
}

/*
 * Forget all bindings.
 */
void
am_script_init(struct am_script *s)
{
	memset(s, 0, sizeof(*s));
}

/*
 * Length of the variable name at p ([A-Za-z_][A-Za-z0-9_]*), 0 if none.
 */
static size_t
cmd_name_len(const char *p)
{
	size_t n;

	if (!isalpha((unsigned char)*p) && *p != '_')
		return 0;
	for (n = 1; isalnum((unsigned char)p[n]) || p[n] == '_'; n++)
		;
	return n;
}

/*
 * The binding of the n-byte name at p, or NULL.
 */
static struct am_script_var *
cmd_var(struct am_script *s, const char *p, size_t n)
{
	int i;

	for (i = 0; i < s->nvars; i++)
		if (strncmp(s->vars[i].name, p, n) == 0 &&
		    s->vars[i].name[n] == '\0')
			return &s->vars[i];
	return NULL;
}

/*
 * Bind name to id, replacing an older binding of the same name. Return
 * 0, -EINVAL (not a name), -ENAMETOOLONG or -ENOSPC (table full).
 */
int
am_script_bind(struct am_script *s, const char *name, long id)
{
	struct am_script_var *v;
	size_t n;

	n = cmd_name_len(name);
	if (n == 0 || name[n] != '\0')
		return -EINVAL;
	if (n >= AM_SCRIPT_NAME_MAX)
		return -ENAMETOOLONG;
	if ((v = cmd_var(s, name, n)) == NULL) {
		if (s->nvars >= AM_SCRIPT_VAR_MAX)
			return -ENOSPC;
		v = &s->vars[s->nvars++];
		memcpy(v->name, name, n + 1);
	}
	v->id = id;
	return 0;
}

/*
 * Append n bytes to b.
 */
static void
cmd_put(struct cmd_sbuf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/*
 * Copy text into b with $name and ${name} replaced by bound ids. For a
 * word line (json 0) also stop at a '#' comment and leave single-quoted
 * text and backslash-escaped characters alone, tracking quotes the way
 * cmd_split() does. Return 0 or -1 with err set.
 */
static int
cmd_subst(struct am_script *s, const char *text, int json,
    struct cmd_sbuf *b, char *err, size_t errlen)
{
	const struct am_script_var *v;
	const char *p, *name;
	char num[32], q;
	size_t n;
	int br;

	q = 0;
	for (p = text; *p != '\0'; p++) {
		if (!json) {
			if (q == '\'') {
				if (*p == '\'')
					q = 0;
				cmd_put(b, p, 1);
				continue;
			}
			if (*p == '\\' && p[1] != '\0') {
				cmd_put(b, p, 2);
				p++;
				continue;
			}
			if (q == 0 && *p == '#')
				break;
			if (*p == '\'' && q == 0)
				q = '\'';
			else if (*p == '"')
				q = q == '"' ? 0 : '"';
		}
		if (*p != '$') {
			cmd_put(b, p, 1);
			continue;
		}
		br = p[1] == '{';
		name = p + 1 + br;
		n = cmd_name_len(name);
		if (br && (n == 0 || name[n] != '}'))
			return cmd_err(err, errlen,
			    "bad variable reference '%.*s'",
			    (int)strcspn(p, "} \t"), p);
		if (n == 0) {
			cmd_put(b, p, 1);	/* a lone '$' is just text */
			continue;
		}
		if ((v = cmd_var(s, name, n)) == NULL)
			return cmd_err(err, errlen, "unknown variable $%.*s",
			    (int)n, name);
		snprintf(num, sizeof(num), "%ld", v->id);
		cmd_put(b, num, strlen(num));
		p = name + n + br - 1;
	}
	return 0;
}

/*
 * Handle one script line. Blank and comment lines return 0. Otherwise
 * the line, after "name =" is taken off (name copied to bind, else
 * bind[0] is '\0') and variables are substituted, is parsed into a new
 * request *req (caller cJSON_Delete()s) and 1 is returned. After the
 * daemon replies with the new id, the caller does am_script_bind(s,
 * bind, id). Return -1 with a message in err on bad input.
 */
int
am_script_line(struct am_script *s, const char *line, cJSON **req,
    char *bind, size_t bindlen, char *err, size_t errlen)
{
	struct cmd_sbuf b = { NULL, 0, 0 };
	const char *p, *rest;
	size_t n;
	int rc;

	*req = NULL;
	if (bind != NULL && bindlen > 0)
		bind[0] = '\0';
	for (p = line; isspace((unsigned char)*p); p++)
		;
	if (*p == '\0' || *p == '#')
		return 0;

	/* "name = command": a name, blanks, '=' */
	rest = p;
	if ((n = cmd_name_len(p)) > 0) {
		for (rest = p + n; *rest == ' ' || *rest == '\t'; rest++)
			;
		if (*rest != '=') {
			rest = p;
		} else {
			if (n >= AM_SCRIPT_NAME_MAX)
				return cmd_err(err, errlen,
				    "variable name '%.*s' too long", (int)n, p);
			if (bind == NULL || bindlen <= n)
				return cmd_err(err, errlen,
				    "no room to bind '%.*s'", (int)n, p);
			memcpy(bind, p, n);
			bind[n] = '\0';
			for (rest++; isspace((unsigned char)*rest); rest++)
				;
		}
	}

	rc = -1;
	if (cmd_subst(s, rest, *rest == '{', &b, err, errlen) < 0)
		goto done;
	for (p = b.s != NULL ? b.s : ""; isspace((unsigned char)*p); p++)
		;
	if (*p == '\0') {
		if (bind != NULL && bind[0] != '\0') {
			cmd_err(err, errlen, "%s: expected a command after '='",
			    bind);
			goto done;
		}
		rc = 0;
		goto done;
	}
	if ((*req = am_cmd_parse_line(p, err, errlen)) == NULL)
		goto done;
	rc = 1;
done:
	if (rc < 0 && bind != NULL && bindlen > 0)
		bind[0] = '\0';
	free(b.s);
	return rc;
}
