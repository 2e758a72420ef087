/* args: long-option parsing and JSON number output shared by the switchboard subcommands. */
#ifndef SB_CLI_ARGS_H
#define SB_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses of every subcommand. */
#define CLI_OK	  0
#define CLI_FAIL  1
#define CLI_USAGE 2 /* bad usage or bad input */

enum args_type {
	ARGS_DOUBLE, /* a finite number; value points to a double */
	ARGS_UINT,   /* a whole number 0..4294967295; value points to a uint32_t */
	ARGS_STRING, /* value points to a const char * (into argv) */
};

struct args_opt {
	const char *name; /* without the leading dashes */
	enum args_type type;
	void *value;
	bool seen; /* set by args_parse */
};

/*
 * Parses argv[1..] (argv[0] is the subcommand) as --name value or
 * --name=value, each option at most once. Returns CLI_OK, or CLI_USAGE after
 * printing a one-line error naming `cmd` (e.g. "erlang c") to stderr.
 */
int args_parse(const char *cmd, int argc, char **argv, struct args_opt *opts, size_t n);

/* True when argv[1..] holds --help or -h. */
bool args_want_help(int argc, char **argv);

/* Prints "switchboard <cmd>: <message>\n" to stderr and returns CLI_USAGE. */
int args_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes a JSON number (10 significant digits; NaN and infinities as null). */
void json_num(FILE *f, double v);
/* Writes a JSON string with the necessary escapes. */
void json_str(FILE *f, const char *s);

#endif
