/* staff: the `switchboard staff` command, agents required per interval of a CSV profile. */
#include "base/mem.h"
#include "cli/args.h"
#include "cli/cli.h"
#include "core/wfm/erlang.h"
#include "core/wfm/profile.h"
#include "core/wfm/staffing.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char help_text[] =
    "usage: switchboard staff --profile FILE.csv --aht SECONDS --threshold SECONDS --target SL\n"
    "                         [--model c|a] [--patience SECONDS] [--format json|csv] [options]\n"
    "\n"
    "Agents required in every interval of a day (or any run of intervals), by Erlang C or\n"
    "Erlang A, and the day's totals. docs/wfm.md has the maths and the time rules.\n"
    "\n"
    "The profile is a CSV file with a header line naming the columns interval_start and\n"
    "calls (other columns are ignored), then one row per interval:\n"
    "  interval_start,calls\n"
    "  2026-03-29T01:45:00,42\n"
    "interval_start is ISO 8601: local time (2026-03-29T02:30:00) or with a UTC offset\n"
    "(2026-03-29T02:30:00+01:00, ...Z). calls is the number offered (>= 0, may be fractional).\n"
    "\n"
    "Time rules: every row is one interval, named by its own start; rows are never merged,\n"
    "reordered or dropped, and must go forward in time. A start with an offset is an exact\n"
    "instant. A local start is placed by the time zone (--tz, else TZ, else the system's):\n"
    "on the day clocks go forward the skipped local times do not exist, and a row with one\n"
    "is an error; on the day clocks go back the repeated local times take, row by row, the\n"
    "first of their two instants later than the row before, so a repeated hour listed\n"
    "twice in order counts twice. The interval length is the most common spacing of the\n"
    "rows in real elapsed time (or --interval); a longer spacing must be a whole number of\n"
    "intervals and counts as missing intervals. A bad row stops the command with an error\n"
    "naming its line (the header is line 1).\n"
    "\n"
    "Options:\n"
    "  --profile FILE        the CSV profile (required)\n"
    "  --aht SECONDS         average handling time (required, > 0)\n"
    "  --threshold SECONDS   service-level threshold T (required, >= 0)\n"
    "  --target SL           service-level goal, 0 < SL < 1 (required)\n"
    "  --model c|a           Erlang C (default) or Erlang A\n"
    "  --patience SECONDS    mean patience, required with --model a\n"
    "  --sl offered|answered the service level the goal refers to (default offered)\n"
    "  --max-occupancy X     also keep occupancy <= X (0 < X <= 1)\n"
    "  --shrinkage S         share of paid time off the phones (0 <= S < 1)\n"
    "  --interval SECONDS    the interval length, instead of detecting it\n"
    "  --tz ZONE             time zone of local starts, e.g. Europe/Berlin\n"
    "  --format json|csv     output format (default json)\n"
    "\n"
    "JSON output: one object with the inputs (model, aht, threshold, target,\n"
    "service_level_variant, patience, max_occupancy, shrinkage, time_zone), then\n"
    "  intervals  one object per row, in file order:\n"
    "    interval_start         the start as written in the file\n"
    "    utc                    the same instant in UTC\n"
    "    utc_offset             the offset in force at the start, e.g. +02:00\n"
    "    calls                  calls offered\n"
    "    load                   offered load, Erlangs: calls x aht / interval length\n"
    "    agents_required        the fewest agents meeting the goal (0 without calls)\n"
    "    agents_with_shrinkage  (with --shrinkage) agents to schedule\n"
    "    service_level          predicted answered within T / calls offered\n"
    "    service_level_answered predicted answered within T / answered\n"
    "    asa                    predicted mean wait of answered calls, seconds\n"
    "    occupancy              predicted carried load / agents\n"
    "    p_abandon, mean_wait   (model a) probability of abandoning; mean time in queue\n"
    "                           over all calls, seconds\n"
    "    (service_level, asa, occupancy ... are null for a row without calls)\n"
    "  summary  the whole profile:\n"
    "    intervals              rows\n"
    "    interval_seconds       the interval length\n"
    "    hours                  real hours the rows cover (23 or 25 on a daylight-saving\n"
    "                           day listed in full)\n"
    "    span_hours             real hours from the first start to the last row's end\n"
    "    missing_intervals      intervals absent between rows\n"
    "    utc_offset_changes     rows whose UTC offset differs from the row before\n"
    "    repeated_local_times   local starts the clock shows twice, placed by order\n"
    "    calls                  calls offered\n"
    "    agent_hours            sum of agents_required x interval length\n"
    "    agent_hours_with_shrinkage, peak_agents_with_shrinkage  (with --shrinkage)\n"
    "    peak_agents            the largest agents_required\n"
    "    service_level, service_level_answered, asa, p_abandon, mean_wait\n"
    "                           the rows' predictions weighted by their calls\n"
    "    occupancy              carried load hours / agent hours\n"
    "CSV output: a header line, one line per row with the same fields, then one line\n"
    "'# summary key=value ...' with the summary.\n"
    "\n"
    "Exit status: 0 success, 1 failure, 2 bad usage or input (one line on stderr).\n"
    "Example: switchboard staff --profile day.csv --aht 240 --threshold 20 --target 0.8 \\\n"
    "           --model a --patience 300 --tz Europe/Berlin\n";

static const char *cmd = "staff";

/* Reads a whole file into a counted block (NUL-terminated). */
static int read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno;
	size_t cap = 1 << 16, n = 0;
	char *buf = sb_alloc(cap);
	int rc = 0;
	while (buf) {
		if (cap - n < 2) {
			char *nb = sb_realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				rc = EIO;
			break;
		}
	}
	fclose(f);
	if (!buf || rc) {
		sb_free(buf);
		return buf ? rc : ENOMEM;
	}
	buf[n] = 0;
	*out = buf;
	*len = n;
	return 0;
}

/* ---- the local clock, through the C library's time-zone database ---- */

static long offset_at(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!localtime_r(&tt, &tm))
		return 0;
	return tm.tm_gmtoff;
}

/*
 * The instants at which the local clock reads `wall`: for each UTC offset the
 * zone uses within a day of it, wall - offset is a candidate when the zone
 * really uses that offset at that instant.
 */
static unsigned libc_zone(int64_t wall, int64_t utc[2], void *arg)
{
	(void)arg;
	long offs[3] = {offset_at(wall - 86400), offset_at(wall), offset_at(wall + 86400)};
	int64_t c[3];
	unsigned n = 0;
	for (int i = 0; i < 3; i++) {
		int64_t t = wall - offs[i];
		bool dup = false;
		for (unsigned k = 0; k < n; k++)
			dup |= c[k] == t;
		if (!dup && offset_at(t) == offs[i])
			c[n++] = t;
	}
	for (unsigned i = 1; i < n; i++) /* ascending */
		for (unsigned k = i; k > 0 && c[k - 1] > c[k]; k--) {
			int64_t x = c[k];
			c[k] = c[k - 1];
			c[k - 1] = x;
		}
	if (n > 2)
		n = 2; /* cannot happen in real zones: three readings of one local time in a day */
	for (unsigned i = 0; i < n; i++)
		utc[i] = c[i];
	return n;
}

/*
 * glibc silently reads an unknown zone name as UTC; a name must therefore be
 * a file of the zone database, unless it is a POSIX rule such as "CET-1CEST,M3.5.0,M10.5.0/3".
 */
static bool zone_exists(const char *tz)
{
	if (!*tz)
		return false;
	if (tz[0] == ':')
		tz++;
	if (tz[0] == '/')
		return access(tz, R_OK) == 0;
	if (strstr(tz, ".."))
		return false;
	bool posix_rule = !strchr(tz, '/') && strpbrk(tz, "0123456789");
	if (posix_rule)
		return true;
	const char *dir = getenv("TZDIR");
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", tz);
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void offset_text(int32_t off, char *buf, size_t len)
{
	int32_t a = off < 0 ? -off : off;
	snprintf(buf, len, "%c%02d:%02d", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

/* ---- output ---- */

struct out_opts {
	bool model_a, shrink;
};

static void csv_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.10g", v == 0 ? 0 : v);
}

static void write_csv(FILE *f, const struct wfm_profile *p, const struct wfm_staff_interval *iv,
		      const struct wfm_staff_summary *s, const struct out_opts *o)
{
	fprintf(f,
		"interval_start,utc,utc_offset,calls,load,agents_required%s,service_level,"
		"service_level_answered,asa,occupancy%s\n",
		o->shrink ? ",agents_with_shrinkage" : "",
		o->model_a ? ",p_abandon,mean_wait" : "");
	char utc[40], off[16];
	for (size_t i = 0; i < p->n; i++) {
		const struct wfm_staff_interval *x = &iv[i];
		wfm_format_time(p->rows[i].utc, "Z", utc, sizeof(utc));
		offset_text(p->rows[i].offset, off, sizeof(off));
		fprintf(f, "%s,%s,%s,", p->rows[i].start, utc, off);
		csv_num(f, x->calls);
		fputc(',', f);
		csv_num(f, x->load);
		fprintf(f, ",%u", x->agents);
		if (o->shrink)
			fprintf(f, ",%u", x->scheduled);
		const double v[] = {x->m.sl_offered, x->m.sl_answered, x->m.asa,
				    x->m.occupancy,  x->m.p_abandon,   x->m.mean_wait};
		for (size_t k = 0; k < (o->model_a ? 6u : 4u); k++) {
			fputc(',', f);
			csv_num(f, v[k]);
		}
		fputc('\n', f);
	}
	fprintf(f,
		"# summary intervals=%zu interval_seconds=%lld hours=%.10g span_hours=%.10g "
		"missing_intervals=%lld utc_offset_changes=%u repeated_local_times=%u calls=%.10g "
		"agent_hours=%.10g peak_agents=%u",
		s->intervals, (long long)s->interval, s->hours, s->span_hours,
		(long long)s->missing, s->offset_changes, s->ambiguous, s->calls, s->agent_hours,
		s->peak_agents);
	if (o->shrink)
		fprintf(f, " agent_hours_with_shrinkage=%.10g peak_agents_with_shrinkage=%u",
			s->scheduled_hours, s->peak_scheduled);
	const char *names[] = {"service_level", "service_level_answered",
			       "asa",		"occupancy",
			       "p_abandon",	"mean_wait"};
	const double v[] = {s->sl_offered, s->sl_answered, s->asa,
			    s->occupancy,  s->p_abandon,   s->mean_wait};
	for (size_t k = 0; k < (o->model_a ? 6u : 4u); k++) {
		fprintf(f, " %s=", names[k]);
		csv_num(f, v[k]);
	}
	fputc('\n', f);
}

static void kv(FILE *f, const char *k, double v, bool comma)
{
	fprintf(f, "\"%s\":", k);
	json_num(f, v);
	if (comma)
		fputc(',', f);
}

static void write_json(FILE *f, const struct wfm_profile *p, const struct wfm_staff_interval *iv,
		       const struct wfm_staff_summary *s, const struct out_opts *o)
{
	fputs("\"intervals\":[\n", f);
	char utc[40], off[16];
	for (size_t i = 0; i < p->n; i++) {
		const struct wfm_staff_interval *x = &iv[i];
		wfm_format_time(p->rows[i].utc, "Z", utc, sizeof(utc));
		offset_text(p->rows[i].offset, off, sizeof(off));
		fputs("{\"interval_start\":", f);
		json_str(f, p->rows[i].start);
		fputs(",\"utc\":", f);
		json_str(f, utc);
		fputs(",\"utc_offset\":", f);
		json_str(f, off);
		fputc(',', f);
		kv(f, "calls", x->calls, true);
		kv(f, "load", x->load, true);
		fprintf(f, "\"agents_required\":%u,", x->agents);
		if (o->shrink)
			fprintf(f, "\"agents_with_shrinkage\":%u,", x->scheduled);
		kv(f, "service_level", x->m.sl_offered, true);
		kv(f, "service_level_answered", x->m.sl_answered, true);
		kv(f, "asa", x->m.asa, true);
		kv(f, "occupancy", x->m.occupancy, o->model_a);
		if (o->model_a) {
			kv(f, "p_abandon", x->m.p_abandon, true);
			kv(f, "mean_wait", x->m.mean_wait, false);
		}
		fprintf(f, "}%s\n", i + 1 < p->n ? "," : "");
	}
	fputs("],\n\"summary\":{", f);
	fprintf(f, "\"intervals\":%zu,\"interval_seconds\":%lld,", s->intervals,
		(long long)s->interval);
	kv(f, "hours", s->hours, true);
	kv(f, "span_hours", s->span_hours, true);
	fprintf(f,
		"\"missing_intervals\":%lld,\"utc_offset_changes\":%u,\"repeated_local_times\":%u,",
		(long long)s->missing, s->offset_changes, s->ambiguous);
	kv(f, "calls", s->calls, true);
	kv(f, "agent_hours", s->agent_hours, true);
	fprintf(f, "\"peak_agents\":%u,", s->peak_agents);
	if (o->shrink) {
		kv(f, "agent_hours_with_shrinkage", s->scheduled_hours, true);
		fprintf(f, "\"peak_agents_with_shrinkage\":%u,", s->peak_scheduled);
	}
	kv(f, "service_level", s->sl_offered, true);
	kv(f, "service_level_answered", s->sl_answered, true);
	kv(f, "asa", s->asa, true);
	kv(f, "occupancy", s->occupancy, o->model_a);
	if (o->model_a) {
		kv(f, "p_abandon", s->p_abandon, true);
		kv(f, "mean_wait", s->mean_wait, false);
	}
	fputs("}}\n", f);
}

int cmd_staff(int argc, char **argv)
{
	if (args_want_help(argc, argv)) {
		fputs(help_text, stdout);
		return CLI_OK;
	}
	const char *profile = NULL, *model = "c", *variant = "offered", *format = "json",
		   *tz = NULL;
	double aht = 0, threshold = 0, target = 0, patience = 0, maxocc = 1, shrinkage = 0;
	double interval = 0;
	struct args_opt o[] = {
	    {"profile", ARGS_STRING, &profile, false},
	    {"aht", ARGS_DOUBLE, &aht, false},
	    {"threshold", ARGS_DOUBLE, &threshold, false},
	    {"target", ARGS_DOUBLE, &target, false},
	    {"model", ARGS_STRING, &model, false},
	    {"patience", ARGS_DOUBLE, &patience, false},
	    {"sl", ARGS_STRING, &variant, false},
	    {"max-occupancy", ARGS_DOUBLE, &maxocc, false},
	    {"shrinkage", ARGS_DOUBLE, &shrinkage, false},
	    {"interval", ARGS_DOUBLE, &interval, false},
	    {"tz", ARGS_STRING, &tz, false},
	    {"format", ARGS_STRING, &format, false},
	};
	enum { PROFILE, AHT, THRESHOLD, TARGET, MODEL, PATIENCE, SL, MAXOCC, SHRINK, INTERVAL, TZ };
	if (args_parse(cmd, argc, argv, o, sizeof(o) / sizeof(o[0])))
		return CLI_USAGE;
	static const char *required[] = {"--profile", "--aht", "--threshold", "--target"};
	for (int i = 0; i < 4; i++)
		if (!o[i].seen)
			return args_error(cmd, "%s is required (see 'switchboard staff --help')",
					  required[i]);
	bool model_a;
	if (strcmp(model, "c") == 0)
		model_a = false;
	else if (strcmp(model, "a") == 0)
		model_a = true;
	else
		return args_error(cmd, "--model must be 'c' or 'a', not '%s'", model);
	if (model_a && !o[PATIENCE].seen)
		return args_error(cmd, "--patience is required with --model a");
	if (!model_a && o[PATIENCE].seen)
		return args_error(cmd, "--patience belongs to --model a");
	if (!(aht > 0))
		return args_error(cmd, "--aht must be > 0 seconds");
	if (!(threshold >= 0))
		return args_error(cmd, "--threshold must be >= 0 seconds");
	if (!(target > 0 && target < 1))
		return args_error(cmd, "--target must be between 0 and 1 (exclusive), e.g. 0.8");
	if (model_a && !(patience > 0))
		return args_error(cmd, "--patience must be > 0 seconds");
	if (model_a && (patience / aht > ERLANG_MAX_PATIENCE_RATIO ||
			patience / aht < 1 / ERLANG_MAX_PATIENCE_RATIO))
		return args_error(cmd, "--patience / --aht must be between 1e-4 and 1e4");
	if (!(maxocc > 0 && maxocc <= 1))
		return args_error(cmd, "--max-occupancy must be > 0 and <= 1");
	if (!(shrinkage >= 0 && shrinkage < 1))
		return args_error(cmd, "--shrinkage must be >= 0 and < 1");
	if (o[INTERVAL].seen && !(interval >= 1 && interval == floor(interval) && interval < 1e9))
		return args_error(cmd, "--interval must be a whole number of seconds >= 1");
	enum erlang_sl_variant var;
	if (strcmp(variant, "offered") == 0)
		var = ERLANG_SL_OFFERED;
	else if (strcmp(variant, "answered") == 0)
		var = ERLANG_SL_ANSWERED;
	else
		return args_error(cmd, "--sl must be 'offered' or 'answered', not '%s'", variant);
	bool csv;
	if (strcmp(format, "json") == 0)
		csv = false;
	else if (strcmp(format, "csv") == 0)
		csv = true;
	else
		return args_error(cmd, "--format must be 'json' or 'csv', not '%s'", format);
	if (tz) {
		if (!zone_exists(tz))
			return args_error(cmd, "unknown time zone '%s' (e.g. Europe/Berlin, UTC)",
					  tz);
		setenv("TZ", tz, 1);
	} else if (getenv("TZ") && *getenv("TZ") && !zone_exists(getenv("TZ"))) {
		return args_error(cmd, "unknown time zone '%s' in TZ (give --tz)", getenv("TZ"));
	}
	tzset();
	const char *zone_name = tz ? tz : getenv("TZ");
	if (!zone_name || !*zone_name)
		zone_name = "localtime"; /* the system's zone, /etc/localtime */

	char *text = NULL, err[512];
	size_t len = 0;
	int rc = read_file(profile, &text, &len);
	if (rc)
		return args_error(cmd, "%s: %s", profile, strerror(rc));
	struct wfm_profile p;
	struct wfm_staff_interval *iv = NULL;
	int status = CLI_USAGE;
	rc = wfm_profile_parse(&p, text, len, err, sizeof(err));
	if (rc == 0)
		rc = wfm_profile_place(&p, (int64_t)interval, libc_zone, NULL, err, sizeof(err));
	if (rc) {
		if (rc == ENOMEM)
			status = CLI_FAIL;
		args_error(cmd, "%s: %s", profile, rc == EBADMSG ? err : strerror(rc));
		goto out;
	}
	iv = sb_calloc(p.n, sizeof(*iv));
	if (!iv) {
		args_error(cmd, "out of memory");
		status = CLI_FAIL;
		goto out;
	}
	struct wfm_staff_params sp = {
	    .model = model_a ? ERLANG_MODEL_A : ERLANG_MODEL_C,
	    .aht = aht,
	    .threshold = threshold,
	    .patience = patience,
	    .goal = {.service_level = target, .variant = var, .max_occupancy = maxocc},
	    .shrinkage = shrinkage,
	};
	struct wfm_staff_summary sum;
	size_t bad = 0;
	rc = wfm_staff(&p, &sp, iv, &sum, &bad);
	if (rc) {
		args_error(
		    cmd, "%s: line %u: cannot staff %g calls (offered load %g Erlangs; at most %g)",
		    profile, p.rows[bad].line, p.rows[bad].calls,
		    p.rows[bad].calls * aht / (double)p.interval, ERLANG_MAX_LOAD);
		goto out;
	}
	struct out_opts oo = {.model_a = model_a, .shrink = o[SHRINK].seen};
	if (csv) {
		write_csv(stdout, &p, iv, &sum, &oo);
	} else {
		printf("{\"model\":\"%s\",", model_a ? "erlang_a" : "erlang_c");
		kv(stdout, "aht", aht, true);
		kv(stdout, "threshold", threshold, true);
		kv(stdout, "target", target, true);
		printf("\"service_level_variant\":\"%s\",", variant);
		if (model_a)
			kv(stdout, "patience", patience, true);
		if (o[MAXOCC].seen)
			kv(stdout, "max_occupancy", maxocc, true);
		if (o[SHRINK].seen)
			kv(stdout, "shrinkage", shrinkage, true);
		fputs("\"time_zone\":", stdout);
		json_str(stdout, zone_name);
		fputs(",\n", stdout);
		write_json(stdout, &p, iv, &sum, &oo);
	}
	status = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
out:
	sb_free(iv);
	wfm_profile_release(&p);
	sb_free(text);
	return status;
}
