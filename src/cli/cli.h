/* cli: the subcommand table shared by the command-line programs. */
#ifndef SB_CLI_CLI_H
#define SB_CLI_CLI_H

struct cli_command {
	const char *name;
	const char *summary;
	/* argv[0] is the command's own name; returns the exit status */
	int (*run)(int argc, char **argv);
};

int cmd_simulate(int argc, char **argv); /* simulate.c */
int cmd_erlang(int argc, char **argv);	 /* erlang.c */
int cmd_staff(int argc, char **argv);	 /* staff.c */
int serve_main(int argc, char **argv);	 /* src/server/serve.c */

#endif
