/* leads: outbound lead lists (CSV import with a column mapping, validation report, de-duplication,
 * time zones, priorities, recycling) and do-not-call lists. */
#ifndef SB_CORE_DIALER_LEADS_H
#define SB_CORE_DIALER_LEADS_H

/*
 * A lead list holds the people a campaign calls. It is filled from CSV
 * (dialer_list_import): the first record is a header, and a mapping names
 * the header of each column the list uses. Every data record is either
 * imported or rejected with its row number and a reason in the report;
 * nothing is dropped silently (a blank line is reported too).
 *
 * Numbers are normalised to E.164 with the mapping's dialling plan; a
 * number already in the list (from this file or an earlier one) is
 * rejected as a duplicate naming the row it duplicates. The zone comes from
 * the zone column when there is one and the cell is not empty, else it is
 * derived from the number (zone.h), else the mapping's default zone; a
 * lead with no zone is rejected, since its calling window cannot be
 * checked. Zones are interned: a lead holds the index of its zone.
 *
 * The dialling state of each lead (attempts, next time it may be dialled,
 * last result ...) lives here too; the dialer (dialer.h) changes it.
 * Pure: no I/O; the caller reads the file into memory.
 */

#include "base/heap.h"
#include "base/idmap.h"
#include "base/phone.h"
#include "core/dialer/zone.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DIALER_CUSTOM_MAX   16	 /* custom columns per list */
#define DIALER_LIST_ZONES   1024 /* distinct zones (or sets) per list */
#define DIALER_PRIORITY_MAX 1000000

/* Results of an attempt and dispositions; a lead remembers its last one. */
enum dialer_result {
	DIALER_R_NONE = 0,
	DIALER_R_NO_ANSWER,	 /* rang out (the dialer hung up after the ring time) */
	DIALER_R_BUSY,		 /* busy signal */
	DIALER_R_FAILED,	 /* network failure, unreachable, rejected */
	DIALER_R_ABANDONED,	 /* answered, no agent within the safe-harbour time */
	DIALER_R_COMPLETED,	 /* the agent's disposition: done (sale, survey taken ...) */
	DIALER_R_CALLBACK,	 /* the agent's disposition: call back at a set time */
	DIALER_R_DNC,		 /* the agent's disposition: asked not to be called */
	DIALER_R_WRONG_NUMBER,	 /* the agent's disposition */
	DIALER_R_NOT_INTERESTED, /* the agent's disposition */
	DIALER_R_COUNT
};

enum dialer_lead_state {
	DIALER_LEAD_READY = 0, /* may be dialled once next_ms has come (and the filters allow) */
	DIALER_LEAD_IN_CALL,   /* being dialled or talked to, or reserved for a preview */
	DIALER_LEAD_DONE,      /* finished: final result, max attempts, or on a DNC list */
};

/* Why a lead is done. */
enum dialer_done {
	DIALER_DONE_NOT = 0,
	DIALER_DONE_RESULT,	  /* a final result (completed, wrong number ...) */
	DIALER_DONE_MAX_ATTEMPTS, /* the retry rule's maximum reached */
	DIALER_DONE_DNC,	  /* found on a do-not-call list when about to be dialled */
};

struct dialer_lead {
	uint32_t id;  /* 1, 2, ... in the list */
	uint32_t row; /* the CSV record it came from (the header is row 1) */
	char e164[PHONE_E164_MAX];
	uint16_t zone;	    /* index into the list's zones */
	bool zone_derived;  /* from the number, not from a column or the default */
	int32_t priority;   /* higher first */
	char *first, *last; /* owned; "" when not mapped */
	char **custom;	    /* the list's n_custom values, owned */

	/* dialling state, changed by the dialer */
	enum dialer_lead_state state;
	enum dialer_done done;
	enum dialer_result last_result;
	uint32_t attempts;
	int64_t next_ms;      /* not dialled before this (retry delay, callback time, lock-out) */
	int64_t last_ms;      /* start of the last attempt; INT64_MIN: never */
	int64_t abandoned_ms; /* last abandoned call; INT64_MIN: never */
	bool callback;	      /* next_ms is a callback time the person agreed to */
	uint32_t owner;	      /* a personal callback: the agent it is for (0: anyone) */

	struct heap_node hn; /* the dialer's queues */
};

struct dialer_list {
	struct dialer_lead **leads; /* n entries, leads[i]->id == i + 1 */
	uint32_t n, cap;
	char *zones[DIALER_LIST_ZONES]; /* canonical zone sets, owned */
	uint32_t n_zones;
	char *custom_names[DIALER_CUSTOM_MAX]; /* owned */
	uint32_t n_custom;
	struct idmap by_number; /* phone key -> lead */
};

/*
 * Column mapping: the header name of each column (matched ignoring case
 * and surrounding spaces). phone is required; the others may be NULL.
 * custom names columns kept as they are (the script shows them).
 */
struct dialer_mapping {
	char delim; /* ',' (0 means ','), ';', '\t', '|' */
	const char *phone;
	const char *first_name, *last_name;
	const char *zone;     /* an IANA zone or "A|B" set; empty cell: derive */
	const char *priority; /* integer -1000000..1000000; empty cell: default_priority */
	const char *custom[DIALER_CUSTOM_MAX];
	uint32_t n_custom;
	struct phone_plan plan; /* for numbers written nationally; cc NULL: E.164 only */
	int32_t default_priority;
	const char
	    *default_zone; /* when neither the column nor the number gives one; NULL: reject */
};

enum dialer_reject_reason {
	DIALER_REJ_MALFORMED = 1, /* CSV syntax: detail says what */
	DIALER_REJ_BLANK,	  /* empty line */
	DIALER_REJ_FIELDS,	  /* fewer fields than the header */
	DIALER_REJ_NO_PHONE,	  /* phone cell empty */
	DIALER_REJ_BAD_PHONE,	  /* not a telephone number */
	DIALER_REJ_DUPLICATE,	  /* number already in the list: dup_row says where */
	DIALER_REJ_BAD_ZONE,	  /* zone cell is not a zone name or set */
	DIALER_REJ_NO_ZONE,	  /* no zone column value, none derivable, no default */
	DIALER_REJ_BAD_PRIORITY,  /* priority is not an integer in range */
	DIALER_REJ_TOO_MANY_ZONES,
};

struct dialer_reject {
	uint32_t row;  /* CSV record number (header is 1) */
	uint32_t line; /* line where the record starts */
	enum dialer_reject_reason reason;
	uint32_t dup_row; /* DUPLICATE: the row of the lead it duplicates */
	char detail[112]; /* human-readable: reason and the offending value */
};

struct dialer_import_report {
	uint32_t records;  /* data records read (the header not counted) */
	uint32_t imported; /* leads added */
	uint32_t n_rej;
	struct dialer_reject *rej; /* n_rej entries, in row order (owned) */
	char error[160];	   /* when the import as a whole failed (EINVAL, EBADMSG) */
};

void dialer_list_init(struct dialer_list *l);
void dialer_list_release(struct dialer_list *l);

/*
 * Imports data[0..len) into l. Returns 0 (rejected rows are in the report,
 * the rest imported); EINVAL when the mapping is bad or a mapped column is
 * not in the header (rep->error says which); EBADMSG when the data is not
 * UTF-8 CSV at all (UTF-16 byte-order mark) or has no header; ENOMEM.
 * Release the report with dialer_import_report_release().
 */
int dialer_list_import(struct dialer_list *l, const char *data, size_t len,
		       const struct dialer_mapping *m, struct dialer_import_report *rep);
void dialer_import_report_release(struct dialer_import_report *rep);
const char *dialer_reject_text(enum dialer_reject_reason r);

/*
 * Adds one lead directly (API use, tests): number normalised with plan
 * (NULL: must be E.164), zone NULL to derive. Returns 0 and *id, EINVAL
 * (bad number or zone), EEXIST (duplicate), ENOENT (no zone), ENOMEM.
 */
int dialer_list_add(struct dialer_list *l, const char *number, const struct phone_plan *plan,
		    const char *zone, int32_t priority, uint32_t *id);

/* The lead with this id, NULL when none. */
static inline struct dialer_lead *dialer_list_lead(const struct dialer_list *l, uint32_t id)
{
	return id >= 1 && id <= l->n ? l->leads[id - 1] : NULL;
}

/* The lead with this E.164 number, NULL when none. */
struct dialer_lead *dialer_list_find(const struct dialer_list *l, const char *e164);

/*
 * Recycling: every lead that is done, or ready with attempts used up, and
 * whose last result is in `results` (a bit mask of 1u << enum
 * dialer_result) becomes ready again with its attempts cleared, dialable
 * from `now`. Leads done because of a DNC list are never recycled.
 * Returns how many (the dialer re-queues them: use dialer_recycle()).
 */
uint32_t dialer_list_recycle(struct dialer_list *l, uint32_t results, int64_t now);

/* A number as a non-zero integer key (E.164 digits have no leading zero); 0 when not E.164. */
uint64_t dialer_phone_key(const char *e164);

/* A do-not-call list: a set of E.164 numbers. */
struct dialer_dnc {
	struct idmap set;
};

void dialer_dnc_init(struct dialer_dnc *d);
void dialer_dnc_release(struct dialer_dnc *d);
/* Adds a number (normalised with plan; NULL: E.164 only). 0, EINVAL, ENOMEM; adding twice is 0. */
int dialer_dnc_add(struct dialer_dnc *d, const char *number, const struct phone_plan *plan);
int dialer_dnc_remove(struct dialer_dnc *d, const char *e164);
bool dialer_dnc_has(const struct dialer_dnc *d, const char *e164);
/*
 * Imports a CSV of numbers, one per record, in its first column. A first
 * record that is not a number and has letters in it is the header (not
 * counted). Bad rows are reported as for lead lists; a number listed twice
 * is not an error. 0, EBADMSG (not UTF-8 CSV), ENOMEM.
 */
int dialer_dnc_import(struct dialer_dnc *d, const char *data, size_t len,
		      const struct phone_plan *plan, struct dialer_import_report *rep);

#endif
