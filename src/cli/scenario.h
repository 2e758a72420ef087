/* scenario: reads a simulation scenario from strict JSON into a struct sim_scenario (format:
 * docs/simulate.md). */
#ifndef SB_CLI_SCENARIO_H
#define SB_CLI_SCENARIO_H

#include "core/sim/sim.h"

#include <stddef.h>

/*
 * Parses `len` bytes of JSON. Returns 0 with *out (free with
 * sim_scenario_free), EBADMSG for a syntax error (why: "line L, column C:
 * what"), EINVAL for a bad field (why: "queues[1].handle_time.mean_s: must
 * be a number > 0"), or ENOMEM. `why` always holds one line.
 */
int scenario_parse(const char *text, size_t len, struct sim_scenario **out, char *why,
		   size_t why_len);

/* Reads and parses a file; errors as above, plus the errno of a failed read (why names the file).
 */
int scenario_load(const char *path, struct sim_scenario **out, char *why, size_t why_len);

#endif
