/* switchboard: the command-line entry point; dispatches to one subcommand per job. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("switchboard %s\n", SB_VERSION);
	return 0;
}

static const struct cli_command commands[] = {
	{"version", "print the version", cmd_version},
	{"simulate", "what-if simulation of a scenario through the real router (JSON out)", cmd_simulate},
	{"erlang", "Erlang B, C and A: service level, waits, agents or trunks required (JSON out)", cmd_erlang},
	{"staff", "agents required per interval of a CSV day profile, Erlang C or A", cmd_staff},
	{"serve", "run the daemon: HTTP API, live events (SIP to come)", serve_main},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: switchboard <command> [options]\n"
		   "\n"
		   "switchboard is an open-source contact-center platform.\n"
		   "\n"
		   "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n"
		   "Run 'switchboard <command> --help' for a command's options.\n"
		   "Exit status: 0 success, 1 failure, 2 bad usage or input.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "switchboard: unknown command '%s' (see 'switchboard --help')\n", argv[1]);
	return 2;
}
