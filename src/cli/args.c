/* args: long-option parsing and JSON number output shared by the switchboard subcommands. */
#include "cli/args.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int args_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "switchboard %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_USAGE;
}

bool args_want_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

static int set_value(const char *cmd, struct args_opt *o, const char *v)
{
	char *end;
	errno = 0;
	switch (o->type) {
	case ARGS_DOUBLE: {
		double d = strtod(v, &end);
		if (end == v || *end || errno == ERANGE || !isfinite(d))
			return args_error(cmd, "--%s '%s' is not a number", o->name, v);
		*(double *)o->value = d;
		return CLI_OK;
	}
	case ARGS_UINT: {
		if (*v < '0' || *v > '9')
			return args_error(cmd, "--%s '%s' is not a whole number >= 0", o->name, v);
		unsigned long long u = strtoull(v, &end, 10);
		if (*end || errno == ERANGE || u > UINT32_MAX)
			return args_error(cmd, "--%s '%s' is not a whole number from 0 to %u",
					  o->name, v, UINT32_MAX);
		*(uint32_t *)o->value = (uint32_t)u;
		return CLI_OK;
	}
	case ARGS_STRING:
		*(const char **)o->value = v;
		return CLI_OK;
	}
	return CLI_USAGE; /* cannot happen: every type is handled above */
}

int args_parse(const char *cmd, int argc, char **argv, struct args_opt *opts, size_t n)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) != 0 || a[2] == 0)
			return args_error(cmd, "unexpected argument '%s' (see --help)", a);
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		struct args_opt *o = NULL;
		for (size_t k = 0; k < n; k++)
			if (strlen(opts[k].name) == len && strncmp(opts[k].name, name, len) == 0)
				o = &opts[k];
		if (!o)
			return args_error(cmd, "unknown option '--%.*s' (see --help)", (int)len,
					  name);
		if (o->seen)
			return args_error(cmd, "--%s given twice", o->name);
		const char *v;
		if (eq) {
			v = eq + 1;
		} else {
			if (i + 1 >= argc)
				return args_error(cmd, "--%s needs a value", o->name);
			v = argv[++i];
		}
		if (set_value(cmd, o, v))
			return CLI_USAGE;
		o->seen = true;
	}
	return CLI_OK;
}

void json_num(FILE *f, double v)
{
	if (!isfinite(v))
		fputs("null", f);
	else if (v == 0)
		fputs("0", f); /* no "-0" */
	else
		fprintf(f, "%.10g", v);
}

void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}
