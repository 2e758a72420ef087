/* api_qa: what the quality-assurance API files share (scorecard JSON, scopes, periods). */
#ifndef SB_SERVER_API_QA_H
#define SB_SERVER_API_QA_H

#include "server/api_impl.h"

#include "core/qa/scorecard.h"

/* Every route under /api/v1/qa (api_qa.c registers the others' tables too). */
int api_qa_routes(struct api *a);
int api_qa_work_routes(struct api *a);
int api_qa_report_routes(struct api *a);

#define QA_PREFIX API_PREFIX "/qa"

/* Roles that read quality data: everyone but planners (agents see their own). */
#define R_QA_READ (R_AGENT | R_LEAD | R_SUPER | R_QA | R_ADMIN)
/* Who evaluates, samples and runs calibration. */
#define R_QA_WORK (R_QA | R_SUPER | R_ADMIN)

/*
 * Builds and seals a scorecard from a JSON definition ({"sections": [...],
 * "criteria": [...], "fields": [...]}, docs/api.md). On EINVAL msg names the
 * offending member ("definition.criteria[1].weight: ..."); ENOMEM otherwise.
 */
int api_qa_scorecard_parse(const cJSON *def, uint32_t id, uint32_t version, const char *name,
			   struct qa_scorecard **scp, char *msg, size_t msg_size);
/* The canonical JSON definition of a scorecard (sections, criteria, fields). */
cJSON *api_qa_scorecard_json(const struct qa_scorecard *sc);
/* Loads a stored definition text and checks its fingerprint (hex): EINVAL / EPROTO / ENOMEM. */
int api_qa_scorecard_load(const char *def_text, uint32_t id, uint32_t version, const char *name,
			  const char *fingerprint, struct qa_scorecard **scp);
/* "0123456789abcdef" of a fingerprint. */
void api_qa_fingerprint_hex(uint64_t fp, char out[17]);

/*
 * The agents whose quality data u may see: NULL for all (QA, supervisors,
 * admins), "[...]" for an agent (their own) or a team lead (their team).
 * *err = ENOMEM when out of memory. sb_free the result.
 */
char *api_qa_scope(struct api *a, const struct user *u, int *err);
/* May u see the quality data of this agent? */
bool api_qa_agent_visible(struct api *a, const struct user *u, int64_t agent_id);

/* Parses a JSON text (stored by us) into a tree; NULL when it does not parse. */
cJSON *api_qa_parse(const char *text);
/* Adds a number, or null when not finite. */
void api_qa_add_num(cJSON *o, const char *key, double v);
/* The unformatted text of a tree, allocated with sb_alloc (NULL when out of memory). */
char *api_qa_print(const cJSON *j);

/* Calendar periods in UTC: the start of the week (Monday), month or year holding t (ms). */
enum api_qa_period { QP_WEEK = 0, QP_MONTH, QP_YEAR };
int64_t api_qa_period_start(enum api_qa_period p, int64_t t);

#endif
