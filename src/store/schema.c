/* schema: the versioned migrations, per engine, applied in order at open (times: UTC epoch ms). */
#include "store/store_impl.h"

/*
 * Rules for the schema (see docs/internals/store.md):
 *   - times are INTEGER UTC epoch milliseconds; display converts to the site's zone;
 *   - phone numbers are E.164 text ("+49301234"), normalised by base/phone;
 *   - personal data (names, numbers, notes, addresses, recordings) lives only in
 *     customers, customer_phones, account_items, contacts, callbacks and the
 *     before/after of audit rows about a customer; the event log holds ids;
 *   - CHECK constraints list allowed values with OR, not IN (...): SQLite
 *     builds a temporary index for an IN list on every row it checks;
 *   - a released migration is never edited: changes go into a new version.
 */

static const char v1_sqlite[] =
    /* sites: where agents work; queues' hours and reports use the site's zone */
    "CREATE TABLE sites ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " time_zone TEXT NOT NULL DEFAULT 'UTC'," /* IANA name, e.g. Europe/Berlin */
    " country_code TEXT NOT NULL,"	      /* E.164 country calling code, e.g. 49 */
    " trunk_prefix TEXT NOT NULL DEFAULT '0',"
    " intl_prefix TEXT NOT NULL DEFAULT '00',"
    " created_at INTEGER NOT NULL);"

    /* clients: the businesses whose customers call */
    "CREATE TABLE clients ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " site_id INTEGER REFERENCES sites(id),"
    " active INTEGER NOT NULL DEFAULT 1,"
    " attributes TEXT," /* JSON */
    " created_at INTEGER NOT NULL);"

    /* users, roles, the clients a user may see, login sessions */
    "CREATE TABLE roles ("
    " name TEXT PRIMARY KEY,"
    " description TEXT NOT NULL);"
    "INSERT INTO roles (name, description) VALUES"
    " ('agent', 'takes calls, wraps up, schedules callbacks'),"
    " ('team_lead', 'takes escalations, coaches, sees the team''s figures'),"
    " ('supervisor', 'watches queues live, reads performance reports'),"
    " ('qa', 'samples and scores interactions'),"
    " ('planner', 'forecasts, staffs, schedules, simulates'),"
    " ('admin', 'numbers, queues, skills, users, retention');"
    "CREATE TABLE users ("
    " id INTEGER PRIMARY KEY,"
    " login TEXT NOT NULL UNIQUE,"
    " display_name TEXT NOT NULL,"
    " email TEXT,"
    " password_hash TEXT," /* argon2id string (crypto_pwhash_str); NULL: cannot log in */
    " site_id INTEGER REFERENCES sites(id),"
    " active INTEGER NOT NULL DEFAULT 1,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL);"
    "CREATE TABLE user_roles ("
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " role TEXT NOT NULL REFERENCES roles(name),"
    " PRIMARY KEY (user_id, role));"
    /* no row for a user: every client; rows: only those clients */
    "CREATE TABLE user_clients ("
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
    " PRIMARY KEY (user_id, client_id));"
    "CREATE INDEX user_clients_client ON user_clients(client_id);"
    "CREATE TABLE sessions ("
    " token_hash TEXT PRIMARY KEY," /* a hash of the session token; the token is not stored */
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " created_at INTEGER NOT NULL,"
    " last_seen_at INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL,"
    " remote_addr TEXT,"
    " user_agent TEXT);"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE INDEX sessions_expires ON sessions(expires_at);"

    /* teams double as routing groups (struct acd_agent_params.groups, queue group) */
    "CREATE TABLE teams ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " site_id INTEGER REFERENCES sites(id),"
    " lead_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    " created_at INTEGER NOT NULL);"
    "CREATE TABLE skills ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " kind TEXT NOT NULL DEFAULT 'skill' CHECK (kind = 'skill' OR kind = 'language'),"
    " description TEXT);"

    /* agents: the ACD's agents (id = ACD agent id) and their SIP credentials */
    "CREATE TABLE agents ("
    " id INTEGER PRIMARY KEY,"
    " user_id INTEGER UNIQUE REFERENCES users(id) ON DELETE SET NULL,"
    " display_name TEXT NOT NULL,"
    " team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,"
    " site_id INTEGER REFERENCES sites(id),"
    " rank INTEGER NOT NULL DEFAULT 0," /* order for linear queues, lowest first */
    " extension TEXT NOT NULL UNIQUE,"	/* SIP extension: 1000 + n */
    " sip_realm TEXT NOT NULL,"
    " sip_ha1 TEXT NOT NULL," /* hex MD5(extension:realm:password); the password is not kept */
    " static_contact TEXT,"   /* SIP URI of a phone reached without registering */
    " active INTEGER NOT NULL DEFAULT 1,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL);"
    "CREATE INDEX agents_team ON agents(team_id);"
    "CREATE TABLE agent_skills ("
    " agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,"
    " skill_id INTEGER NOT NULL REFERENCES skills(id) ON DELETE CASCADE,"
    " level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 10),"
    " PRIMARY KEY (agent_id, skill_id));"
    "CREATE INDEX agent_skills_skill ON agent_skills(skill_id);"
    /* routing groups beyond the agent's own team (e.g. the team-leads group) */
    "CREATE TABLE agent_groups ("
    " agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,"
    " team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,"
    " PRIMARY KEY (agent_id, team_id));"

    /* queues: every field of struct acd_queue_params, plus service-level target and hours */
    "CREATE TABLE queues ("
    " id INTEGER PRIMARY KEY," /* ACD queue id */
    " client_id INTEGER REFERENCES clients(id),"
    " site_id INTEGER REFERENCES sites(id),"
    " name TEXT NOT NULL UNIQUE,"
    " strategy TEXT NOT NULL DEFAULT 'longest-idle' CHECK (strategy = 'longest-idle'"
    "  OR strategy = 'round-robin' OR strategy = 'fewest-calls' OR strategy = 'least-talk'"
    "  OR strategy = 'linear' OR strategy = 'random' OR strategy = 'ring-all'"
    "  OR strategy = 'best-skill'),"
    " ring_all_max INTEGER NOT NULL DEFAULT 8 CHECK (ring_all_max BETWEEN 1 AND 64),"
    " weight INTEGER NOT NULL DEFAULT 1 CHECK (weight >= 1),"
    " group_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,"
    " ring_timeout_ms INTEGER NOT NULL DEFAULT 15000 CHECK (ring_timeout_ms > 0),"
    " max_wait_ms INTEGER NOT NULL DEFAULT 0 CHECK (max_wait_ms >= 0)," /* 0: no limit */
    " overflow TEXT NOT NULL DEFAULT 'none'"
    "  CHECK (overflow = 'none' OR overflow = 'queue' OR overflow = 'callback'),"
    " overflow_queue_id INTEGER REFERENCES queues(id) ON DELETE SET NULL,"
    " max_len INTEGER NOT NULL DEFAULT 0 CHECK (max_len >= 0)," /* 0: no limit */
    " join_empty INTEGER NOT NULL DEFAULT 1,"
    " wrapup TEXT NOT NULL DEFAULT 'timed'"
    "  CHECK (wrapup = 'none' OR wrapup = 'timed' OR wrapup = 'manual'),"
    " wrapup_ms INTEGER NOT NULL DEFAULT 0 CHECK (wrapup_ms >= 0),"
    " sl_threshold_ms INTEGER NOT NULL DEFAULT 20000 CHECK (sl_threshold_ms >= 0),"
    " sl_target_pct REAL NOT NULL DEFAULT 80 CHECK (sl_target_pct BETWEEN 0 AND 100),"
    " short_abandon_ms INTEGER NOT NULL DEFAULT 5000 CHECK (short_abandon_ms >= 0),"
    " resume_ms INTEGER NOT NULL DEFAULT 0 CHECK (resume_ms >= 0)," /* 0: off */
    " default_aht_ms INTEGER NOT NULL DEFAULT 180000 CHECK (default_aht_ms > 0),"
    " callback_attempts INTEGER NOT NULL DEFAULT 3 CHECK (callback_attempts >= 1),"
    " callback_retry_ms INTEGER NOT NULL DEFAULT 300000 CHECK (callback_retry_ms >= 0),"
    " priority INTEGER NOT NULL DEFAULT 0," /* default caller priority */
    " business_hours TEXT," /* JSON, in the site's zone: {\"mon\": [[\"08:00\", \"18:00\"]], ...} */
    " announce_ms INTEGER NOT NULL DEFAULT 0," /* position / wait announcements; 0: off */
    " music TEXT,"
    " active INTEGER NOT NULL DEFAULT 1,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL);"
    /* struct acd_skill_req: at most 8 per queue */
    "CREATE TABLE queue_skills ("
    " queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,"
    " skill_id INTEGER NOT NULL REFERENCES skills(id) ON DELETE CASCADE,"
    " min_level INTEGER NOT NULL CHECK (min_level BETWEEN 1 AND 10),"
    " PRIMARY KEY (queue_id, skill_id));"
    /* struct acd_tier: widening steps 1..4 with increasing after_ms */
    "CREATE TABLE queue_tiers ("
    " queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,"
    " step INTEGER NOT NULL CHECK (step BETWEEN 1 AND 4),"
    " after_ms INTEGER NOT NULL CHECK (after_ms >= 0),"
    " level_drop INTEGER NOT NULL DEFAULT 0 CHECK (level_drop BETWEEN 0 AND 9),"
    " group_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,"
    " PRIMARY KEY (queue_id, step));"

    /* numbers: what callers dial (E.164 for trunk numbers, or short internal ones like 100) */
    "CREATE TABLE numbers ("
    " id INTEGER PRIMARY KEY,"
    " number TEXT NOT NULL UNIQUE,"
    " client_id INTEGER REFERENCES clients(id),"
    " queue_id INTEGER REFERENCES queues(id) ON DELETE SET NULL,"
    " route TEXT," /* JSON: a menu, when the number does not go straight to a queue */
    " label TEXT,"
    " active INTEGER NOT NULL DEFAULT 1,"
    " created_at INTEGER NOT NULL);"

    /* customers and their data (personal data: erased on request) */
    "CREATE TABLE customers ("
    " id INTEGER PRIMARY KEY,"
    " client_id INTEGER NOT NULL REFERENCES clients(id),"
    " external_ref TEXT," /* the client's own customer number */
    " name TEXT,"
    " email TEXT,"
    " language TEXT,"
    " notes TEXT,"
    " attributes TEXT," /* JSON */
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL);"
    "CREATE INDEX customers_client_name ON customers(client_id, name);"
    "CREATE UNIQUE INDEX customers_ref ON customers(client_id, external_ref)"
    " WHERE external_ref IS NOT NULL;"
    "CREATE TABLE customer_phones ("
    " id INTEGER PRIMARY KEY,"
    " customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,"
    " e164 TEXT NOT NULL CHECK (e164 GLOB '+[1-9]*' AND length(e164) BETWEEN 8 AND 16),"
    " label TEXT," /* mobile, home, work ... */
    " UNIQUE (customer_id, e164));"
    "CREATE INDEX customer_phones_e164 ON customer_phones(e164);"
    "CREATE TABLE account_items ("
    " id INTEGER PRIMARY KEY,"
    " customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,"
    " type TEXT NOT NULL CHECK (type = 'billing' OR type = 'shipping' OR type = 'warranty'"
    "  OR type = 'product'),"
    " reference TEXT," /* account, order, serial or product number */
    " description TEXT,"
    " status TEXT,"
    " address TEXT,"	     /* billing or shipping address */
    " amount_minor INTEGER," /* balance or price in minor units */
    " currency TEXT,"
    " valid_from INTEGER," /* warranty / contract period */
    " valid_until INTEGER,"
    " data TEXT," /* JSON: anything else */
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL);"
    "CREATE INDEX account_items_customer ON account_items(customer_id, type);"

    /* dispositions (wrap-up codes), scripts, knowledge articles */
    "CREATE TABLE dispositions ("
    " id INTEGER PRIMARY KEY,"
    " client_id INTEGER REFERENCES clients(id) ON DELETE CASCADE," /* NULL: every client */
    " code TEXT NOT NULL,"
    " label TEXT NOT NULL,"
    " category TEXT,"
    " requires_note INTEGER NOT NULL DEFAULT 0,"
    " active INTEGER NOT NULL DEFAULT 1,"
    " UNIQUE (client_id, code));"
    "CREATE TABLE scripts ("
    " id INTEGER PRIMARY KEY,"
    " client_id INTEGER REFERENCES clients(id) ON DELETE CASCADE,"
    " queue_id INTEGER REFERENCES queues(id) ON DELETE SET NULL,"
    " name TEXT NOT NULL,"
    " body TEXT NOT NULL," /* the script's steps (JSON or markdown) */
    " version INTEGER NOT NULL DEFAULT 1,"
    " active INTEGER NOT NULL DEFAULT 1,"
    " updated_at INTEGER NOT NULL,"
    " UNIQUE (client_id, name));"
    "CREATE TABLE knowledge_articles ("
    " id INTEGER PRIMARY KEY,"
    " client_id INTEGER REFERENCES clients(id) ON DELETE CASCADE,"
    " category TEXT NOT NULL,"
    " title TEXT NOT NULL,"
    " body TEXT NOT NULL,"
    " tags TEXT,"
    " published INTEGER NOT NULL DEFAULT 1,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL);"
    "CREATE INDEX knowledge_client_category ON knowledge_articles(client_id, category);"
    /* full-text index over the articles, kept in step by triggers */
    "CREATE VIRTUAL TABLE knowledge_fts USING fts5(title, body, tags,"
    " content='knowledge_articles', content_rowid='id',"
    " tokenize='unicode61 remove_diacritics 2');"
    "CREATE TRIGGER knowledge_ai AFTER INSERT ON knowledge_articles BEGIN"
    " INSERT INTO knowledge_fts (rowid, title, body, tags)"
    " VALUES (new.id, new.title, new.body, new.tags); END;"
    "CREATE TRIGGER knowledge_ad AFTER DELETE ON knowledge_articles BEGIN"
    " INSERT INTO knowledge_fts (knowledge_fts, rowid, title, body, tags)"
    " VALUES ('delete', old.id, old.title, old.body, old.tags); END;"
    "CREATE TRIGGER knowledge_au AFTER UPDATE ON knowledge_articles BEGIN"
    " INSERT INTO knowledge_fts (knowledge_fts, rowid, title, body, tags)"
    " VALUES ('delete', old.id, old.title, old.body, old.tags);"
    " INSERT INTO knowledge_fts (rowid, title, body, tags)"
    " VALUES (new.id, new.title, new.body, new.tags); END;"

    /* contact records: one per call segment */
    "CREATE TABLE contacts ("
    " id INTEGER PRIMARY KEY,"	 /* this segment */
    " call_id INTEGER NOT NULL," /* the ACD call id, as in the event log */
    " initial_id INTEGER,"	 /* first segment of the interaction */
    " previous_id INTEGER,"	 /* segment this one was transferred from */
    " next_id INTEGER,"		 /* segment this one was transferred to */
    " client_id INTEGER REFERENCES clients(id),"
    " channel TEXT NOT NULL DEFAULT 'voice'"
    "  CHECK (channel = 'voice' OR channel = 'callback' OR channel = 'chat'"
    "  OR channel = 'email' OR channel = 'task'),"
    " direction TEXT NOT NULL"
    "  CHECK (direction = 'inbound' OR direction = 'outbound' OR direction = 'internal'),"
    " initiation TEXT NOT NULL CHECK (initiation = 'inbound' OR initiation = 'outbound'"
    "  OR initiation = 'transfer' OR initiation = 'queue_transfer'"
    "  OR initiation = 'callback' OR initiation = 'api' OR initiation = 'monitor'),"
    " customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,"
    " customer_number TEXT," /* E.164: personal data */
    " system_number TEXT,"   /* the number dialled or presented */
    " queue_id INTEGER REFERENCES queues(id) ON DELETE SET NULL,"
    " agent_id INTEGER REFERENCES agents(id) ON DELETE SET NULL,"
    " t_initiated INTEGER NOT NULL,"
    " t_enqueued INTEGER,"
    " t_dequeued INTEGER,"
    " t_connected INTEGER,"
    " t_disconnected INTEGER,"
    " hold_count INTEGER NOT NULL DEFAULT 0,"
    " hold_ms INTEGER NOT NULL DEFAULT 0,"
    " t_wrap_start INTEGER,"
    " t_wrap_end INTEGER,"
    " disconnect_reason TEXT," /* caller, agent, abandon, timeout, transfer, interrupted ... */
    " disposition_id INTEGER REFERENCES dispositions(id) ON DELETE SET NULL,"
    " notes TEXT,"	   /* personal data */
    " recording_ref TEXT," /* where the recording is: personal data */
    " attributes TEXT,"	   /* JSON; may hold personal data */
    " updated_at INTEGER NOT NULL);"
    /*
     * Few indexes: each costs the writer on every record. Time-ordered keys are
     * cheap appends; reports by queue or agent scan a time range (interval
     * figures come from the event log). Numbers are indexed only for calls
     * not linked to a customer: linked ones are found through customer_id.
     */
    "CREATE INDEX contacts_call ON contacts(call_id);"
    "CREATE INDEX contacts_time ON contacts(t_initiated);"
    "CREATE INDEX contacts_customer ON contacts(customer_id) WHERE customer_id IS NOT NULL;"
    "CREATE INDEX contacts_number ON contacts(customer_number) WHERE customer_id IS NULL;"
    "CREATE INDEX contacts_open ON contacts(t_initiated) WHERE t_disconnected IS NULL;"

    /* the event log: append-only, ids only (struct acd_event in typed columns) */
    "CREATE TABLE events ("
    " seq INTEGER PRIMARY KEY,"
    " time INTEGER NOT NULL,"
    " kind TEXT NOT NULL," /* call-enter, agent-state ... user-login, config-change ... */
    " type INTEGER NOT NULL DEFAULT 0," /* enum acd_event_type; 0: not an ACD event */
    " from_state INTEGER NOT NULL DEFAULT 0,"
    " to_state INTEGER NOT NULL DEFAULT 0,"
    " flags INTEGER NOT NULL DEFAULT 0,"
    " priority INTEGER NOT NULL DEFAULT 0,"
    " call_id INTEGER,"
    " queue_id INTEGER,"
    " agent_id INTEGER,"
    " target INTEGER,"
    " reason INTEGER NOT NULL DEFAULT 0,"
    " position INTEGER NOT NULL DEFAULT 0,"
    " count INTEGER NOT NULL DEFAULT 0,"
    " t_enter INTEGER NOT NULL DEFAULT 0,"
    " wait_ms INTEGER NOT NULL DEFAULT 0,"
    " dur_ms INTEGER NOT NULL DEFAULT 0,"
    " hold_ms INTEGER NOT NULL DEFAULT 0,"
    " disposition INTEGER,"
    " user_id INTEGER,"
    " data TEXT);" /* JSON with ids only */
    "CREATE INDEX events_time ON events(time);"
    "CREATE INDEX events_call ON events(call_id) WHERE call_id IS NOT NULL;"
    "CREATE TRIGGER events_append_only BEFORE UPDATE ON events BEGIN"
    " SELECT RAISE(ABORT, 'the event log is append-only'); END;"

    /* callbacks: a customer to call back, keeping their place */
    "CREATE TABLE callbacks ("
    " id INTEGER PRIMARY KEY,"
    " client_id INTEGER REFERENCES clients(id),"
    " queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,"
    " customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,"
    " number TEXT,"	/* E.164 to call: personal data */
    " call_id INTEGER," /* the ACD call that asked for it */
    " requested_at INTEGER NOT NULL,"
    " due_at INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " max_attempts INTEGER NOT NULL DEFAULT 3,"
    " last_attempt_at INTEGER,"
    " status TEXT NOT NULL DEFAULT 'pending'"
    "  CHECK (status = 'pending' OR status = 'dialing' OR status = 'done'"
    "  OR status = 'failed' OR status = 'cancelled'),"
    " contact_id INTEGER," /* the segment that reached the customer */
    " notes TEXT,"	   /* personal data */
    " created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    " updated_at INTEGER NOT NULL);"
    "CREATE INDEX callbacks_due ON callbacks(status, due_at);"
    "CREATE INDEX callbacks_customer ON callbacks(customer_id);"

    /* audit log: who changed what */
    "CREATE TABLE audit_log ("
    " id INTEGER PRIMARY KEY,"
    " time INTEGER NOT NULL,"
    " user_id INTEGER,"		  /* who; no foreign key: entries outlive users */
    " action TEXT NOT NULL,"	  /* create, update, delete, login, erase ... */
    " object_type TEXT NOT NULL," /* a customer's phones and items are logged as 'customer' */
    " object_id INTEGER,"
    " before_json TEXT,"
    " after_json TEXT,"
    " remote_addr TEXT);"
    "CREATE INDEX audit_object ON audit_log(object_type, object_id, time);"
    "CREATE INDEX audit_time ON audit_log(time);"
    "CREATE INDEX audit_user ON audit_log(user_id, time);";

/*
 * Version 2: what the web application adds: per-user preferences (UI
 * language), referrals (cross-selling) and goals, and escalations to team
 * leads. Referrals keep no free text (a product name only); an escalation's
 * reason is the agent's words about the call and is personal data.
 */
static const char v2_sqlite[] =
    "CREATE TABLE user_preferences ("
    " user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
    " language TEXT NOT NULL DEFAULT 'en' CHECK (language = 'en' OR language = 'de'),"
    " sound INTEGER NOT NULL DEFAULT 1,"
    " updated_at INTEGER NOT NULL);"

    /* goals: a monthly target per metric, for the center (no team, no agent), a team or an agent */
    "CREATE TABLE goals ("
    " id INTEGER PRIMARY KEY,"
    " metric TEXT NOT NULL CHECK (metric = 'referrals'),"
    " period TEXT NOT NULL DEFAULT 'month' CHECK (period = 'month'),"
    " team_id INTEGER REFERENCES teams(id) ON DELETE CASCADE,"
    " agent_id INTEGER REFERENCES agents(id) ON DELETE CASCADE,"
    " target INTEGER NOT NULL CHECK (target >= 0),"
    " updated_at INTEGER NOT NULL,"
    " CHECK (team_id IS NULL OR agent_id IS NULL));"
    "CREATE UNIQUE INDEX goals_scope ON goals(metric, period, COALESCE(team_id, 0),"
    " COALESCE(agent_id, 0));"
    /* the center's default: five referrals a month per agent */
    "INSERT INTO goals (metric, period, target, updated_at) VALUES ('referrals', 'month', 5, 0);"

    "CREATE TABLE referrals ("
    " id INTEGER PRIMARY KEY,"
    " time INTEGER NOT NULL,"
    " agent_id INTEGER REFERENCES agents(id) ON DELETE SET NULL,"
    " team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,"
    " user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    " client_id INTEGER REFERENCES clients(id),"
    " customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,"
    " call_id INTEGER,"
    " contact_id INTEGER,"
    " product TEXT NOT NULL);"
    "CREATE INDEX referrals_agent_time ON referrals(agent_id, time);"
    "CREATE INDEX referrals_time ON referrals(time);"

    "CREATE TABLE escalations ("
    " id INTEGER PRIMARY KEY,"
    " time INTEGER NOT NULL,"
    " call_id INTEGER NOT NULL,"
    " contact_id INTEGER,"
    " client_id INTEGER REFERENCES clients(id),"
    " customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,"
    " from_agent_id INTEGER REFERENCES agents(id) ON DELETE SET NULL,"
    " team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,"
    " from_queue_id INTEGER REFERENCES queues(id) ON DELETE SET NULL,"
    " queue_id INTEGER REFERENCES queues(id) ON DELETE SET NULL," /* where it waits */
    " reason TEXT,"						  /* personal data */
    " status TEXT NOT NULL DEFAULT 'open' CHECK (status = 'open' OR status = 'taken'"
    "  OR status = 'closed' OR status = 'abandoned'),"
    " taken_by INTEGER REFERENCES agents(id) ON DELETE SET NULL,"
    " taken_at INTEGER,"
    " closed_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    " closed_at INTEGER,"
    " updated_at INTEGER NOT NULL);"
    "CREATE INDEX escalations_status ON escalations(status, time);"
    "CREATE INDEX escalations_call ON escalations(call_id);";

/*
 * Version 3: quality assurance (docs/quality.md): versioned scorecards (a JSON
 * definition per version, never changed once written), evaluations that keep
 * the version and the scores they were made with, disputes, sampling
 * assignments, calibration sessions, coaching sessions with action items.
 * Feedback, comments and coaching notes are words about a call: personal data.
 */
static const char v3_sqlite[] =
    "CREATE TABLE qa_scorecards ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " version INTEGER NOT NULL DEFAULT 1," /* the current version */
    " active INTEGER NOT NULL DEFAULT 1,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL);"
    "CREATE TABLE qa_scorecard_versions ("
    " scorecard_id INTEGER NOT NULL REFERENCES qa_scorecards(id) ON DELETE CASCADE,"
    " version INTEGER NOT NULL,"
    " definition TEXT NOT NULL,"  /* JSON: sections, criteria, fields */
    " fingerprint TEXT NOT NULL," /* hex of qa_scorecard_fingerprint */
    " created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    " created_at INTEGER NOT NULL,"
    " PRIMARY KEY (scorecard_id, version));"
    "CREATE TABLE qa_calibrations ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " scorecard_id INTEGER NOT NULL REFERENCES qa_scorecards(id),"
    " contacts TEXT NOT NULL,"					  /* JSON array of contact ids */
    " participants TEXT NOT NULL,"				  /* JSON array of user ids */
    " expert_id INTEGER REFERENCES users(id) ON DELETE SET NULL," /* NULL: the median */
    " closed INTEGER NOT NULL DEFAULT 0,"
    " report TEXT," /* JSON, written when it closes */
    " created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    " created_at INTEGER NOT NULL,"
    " closed_at INTEGER);"
    "CREATE TABLE qa_evaluations ("
    " id INTEGER PRIMARY KEY,"
    " scorecard_id INTEGER NOT NULL REFERENCES qa_scorecards(id),"
    " version INTEGER NOT NULL,"
    " fingerprint TEXT NOT NULL,"
    " contact_id INTEGER NOT NULL,"
    " contact_time INTEGER NOT NULL,"
    " agent_id INTEGER REFERENCES agents(id) ON DELETE SET NULL,"
    " team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,"
    " queue_id INTEGER REFERENCES queues(id) ON DELETE SET NULL,"
    " client_id INTEGER REFERENCES clients(id),"
    " evaluator_id INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    " answers TEXT NOT NULL," /* JSON: [{criterion, value | na}] */
    " fields TEXT,"	      /* JSON: [{field, checked | option | text}] */
    " result TEXT NOT NULL,"  /* JSON: per criterion and section scores */
    " score REAL,"	      /* 0..100; NULL when undefined */
    " failed INTEGER NOT NULL DEFAULT 0,"
    " feedback TEXT," /* personal data */
    " state TEXT NOT NULL DEFAULT 'draft' CHECK (state = 'draft' OR state = 'submitted'"
    "  OR state = 'acknowledged' OR state = 'disputed' OR state = 'resolved'),"
    " calibration_id INTEGER REFERENCES qa_calibrations(id) ON DELETE CASCADE,"
    " created_at INTEGER NOT NULL,"
    " submitted_at INTEGER,"
    " acknowledged_at INTEGER,"
    " updated_at INTEGER NOT NULL);"
    "CREATE INDEX qa_evaluations_time ON qa_evaluations(contact_time);"
    "CREATE INDEX qa_evaluations_contact ON qa_evaluations(contact_id);"
    "CREATE INDEX qa_evaluations_agent ON qa_evaluations(agent_id, contact_time);"
    "CREATE UNIQUE INDEX qa_evaluations_calibration ON qa_evaluations(calibration_id,"
    " contact_id, evaluator_id) WHERE calibration_id IS NOT NULL;"
    "CREATE TABLE qa_disputes ("
    " id INTEGER PRIMARY KEY,"
    " evaluation_id INTEGER NOT NULL REFERENCES qa_evaluations(id) ON DELETE CASCADE,"
    " criteria TEXT NOT NULL," /* JSON array of criterion ids */
    " comment TEXT NOT NULL,"  /* personal data */
    " created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    " created_at INTEGER NOT NULL,"
    " resolution TEXT CHECK (resolution IS NULL OR resolution = 'accepted'"
    "  OR resolution = 'partly_accepted' OR resolution = 'rejected'),"
    " resolution_comment TEXT,"
    " score_before REAL,"
    " score_after REAL,"
    " resolved_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    " resolved_at INTEGER);"
    "CREATE INDEX qa_disputes_evaluation ON qa_disputes(evaluation_id);"
    "CREATE TABLE qa_assignments ("
    " id INTEGER PRIMARY KEY,"
    " specialist_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " scorecard_id INTEGER NOT NULL REFERENCES qa_scorecards(id),"
    " quota INTEGER NOT NULL CHECK (quota >= 1)," /* calls per agent per week */
    " agents TEXT NOT NULL,"			  /* JSON array of agent ids */
    " filters TEXT NOT NULL,"			  /* JSON: queues, dispositions, ... */
    " seed INTEGER NOT NULL,"
    " active INTEGER NOT NULL DEFAULT 1,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL);"
    "CREATE TABLE qa_coaching ("
    " id INTEGER PRIMARY KEY,"
    " agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,"
    " coach_id INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    " time INTEGER NOT NULL,"
    " evaluations TEXT NOT NULL," /* JSON array of evaluation ids */
    " notes TEXT,"		  /* personal data */
    " created_at INTEGER NOT NULL);"
    "CREATE TABLE qa_actions ("
    " id INTEGER PRIMARY KEY,"
    " coaching_id INTEGER NOT NULL REFERENCES qa_coaching(id) ON DELETE CASCADE,"
    " text TEXT NOT NULL,"
    " due INTEGER NOT NULL,"
    " done INTEGER NOT NULL DEFAULT 0,"
    " done_at INTEGER);"
    "CREATE INDEX qa_actions_coaching ON qa_actions(coaching_id);"
    /* the picks a work list showed, kept while still eligible so the list stays stable */
    "CREATE TABLE qa_picks ("
    " assignment_id INTEGER NOT NULL REFERENCES qa_assignments(id) ON DELETE CASCADE,"
    " period_start INTEGER NOT NULL,"
    " contact_id INTEGER NOT NULL,"
    " PRIMARY KEY (assignment_id, period_start, contact_id));";

/*
 * Version 4: outbound (docs/dialer.md): campaigns, their lead lists and
 * leads, do-not-call entries (global: campaign_id NULL), and dial attempts
 * (the abandonment report reads them). Lead names and custom fields are
 * personal data.
 */
static const char v4_sqlite[] =
    "CREATE TABLE campaigns ("
    " id INTEGER PRIMARY KEY,"
    " client_id INTEGER REFERENCES clients(id),"
    " name TEXT NOT NULL UNIQUE,"
    " queue_id INTEGER REFERENCES queues(id) ON DELETE SET NULL,"
    " agents TEXT NOT NULL DEFAULT '[]'," /* JSON array of agent ids */
    " skills TEXT NOT NULL DEFAULT '[]'," /* JSON array of skill ids */
    " caller_id TEXT,"			  /* E.164 */
    " dial_mode TEXT NOT NULL DEFAULT 'progressive' CHECK (dial_mode = 'preview'"
    "  OR dial_mode = 'progressive' OR dial_mode = 'predictive'),"
    " windows TEXT," /* JSON {"mon": {"start": "09:00", "end": "20:00"} ...}; NULL: default */
    " profile TEXT NOT NULL DEFAULT 'us' CHECK (profile = 'us' OR profile = 'uk'"
    "  OR profile = 'custom'),"
    " profile_custom TEXT," /* JSON: the numbers of a custom profile */
    " retry_rules TEXT,"    /* JSON {"no_answer": {"delay_minutes", "max_attempts"} ...} */
    " ring_seconds INTEGER NOT NULL DEFAULT 20,"
    " default_zone TEXT,"
    " script_id INTEGER REFERENCES scripts(id) ON DELETE SET NULL,"
    " active INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL);"
    "CREATE TABLE lead_lists ("
    " id INTEGER PRIMARY KEY,"
    " campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL,"
    " mapping TEXT NOT NULL," /* JSON: the column mapping used */
    " records INTEGER NOT NULL,"
    " imported INTEGER NOT NULL,"
    " rejected INTEGER NOT NULL,"
    " duplicates INTEGER NOT NULL,"
    " created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    " created_at INTEGER NOT NULL);"
    "CREATE INDEX lead_lists_campaign ON lead_lists(campaign_id);"
    "CREATE TABLE leads ("
    " id INTEGER PRIMARY KEY,"
    " campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,"
    " list_id INTEGER NOT NULL REFERENCES lead_lists(id) ON DELETE CASCADE,"
    " row INTEGER NOT NULL," /* the CSV record it came from (the header is 1) */
    " e164 TEXT NOT NULL,"
    " first_name TEXT,"
    " last_name TEXT,"
    " zone TEXT NOT NULL," /* IANA zone or "A|B" set */
    " zone_derived INTEGER NOT NULL DEFAULT 0,"
    " priority INTEGER NOT NULL DEFAULT 0,"
    " custom TEXT," /* JSON object of the custom columns */
    " status TEXT NOT NULL DEFAULT 'ready' CHECK (status = 'ready' OR status = 'in_call'"
    "  OR status = 'done'),"
    " done_reason TEXT CHECK (done_reason IS NULL OR done_reason = 'result'"
    "  OR done_reason = 'max_attempts' OR done_reason = 'dnc'),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_attempt_at INTEGER," /* not dialled before this */
    " last_attempt_at INTEGER,"
    " last_result TEXT,"
    " abandoned_at INTEGER," /* the last abandoned call (lock-out) */
    " callback INTEGER NOT NULL DEFAULT 0,"
    " callback_agent INTEGER REFERENCES agents(id) ON DELETE SET NULL,"
    " UNIQUE (campaign_id, e164));"
    "CREATE INDEX leads_status ON leads(campaign_id, status, id);"
    "CREATE INDEX leads_list ON leads(list_id);"
    "CREATE TABLE dnc ("
    " id INTEGER PRIMARY KEY,"
    " campaign_id INTEGER REFERENCES campaigns(id) ON DELETE CASCADE," /* NULL: global */
    " e164 TEXT NOT NULL,"
    " source TEXT NOT NULL CHECK (source = 'manual' OR source = 'import'"
    "  OR source = 'disposition'),"
    " added_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    " created_at INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX dnc_number ON dnc(ifnull(campaign_id, 0), e164);"
    "CREATE INDEX dnc_e164 ON dnc(e164);"
    "CREATE TABLE dial_attempts ("
    " id INTEGER PRIMARY KEY,"
    " campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,"
    " lead_id INTEGER REFERENCES leads(id) ON DELETE SET NULL,"
    " agent_id INTEGER REFERENCES agents(id) ON DELETE SET NULL,"
    " time INTEGER NOT NULL,"		    /* when dialled */
    " result TEXT NOT NULL,"		    /* no_answer, busy, failed, abandoned, connected ... */
    " answered INTEGER NOT NULL DEFAULT 0," /* live-answered (no machine detection) */
    " abandoned INTEGER NOT NULL DEFAULT 0,"
    " ended_at INTEGER);"
    "CREATE INDEX dial_attempts_campaign ON dial_attempts(campaign_id, time);";

/*
 * Version 5: caller features (docs/ivr.md, docs/telephony.md "Menus, hours,
 * announcements, callbacks, survey"): the post-call survey per queue (the
 * rating goes to the contact's attributes.survey). Callback requests go to
 * version 1's callbacks table.
 */
static const char v5_sqlite[] = "ALTER TABLE queues ADD COLUMN survey INTEGER NOT NULL DEFAULT 0;";

/*
 * Version 6: call recording (docs/telephony.md, "Call recording"): per queue
 * off / always / on demand, an optional consent prompt played to callers, and
 * the days recordings are kept (0: for ever); an index for the retention sweep.
 */
static const char v6_sqlite[] =
    "ALTER TABLE queues ADD COLUMN recording TEXT NOT NULL DEFAULT 'off'"
    " CHECK (recording = 'off' OR recording = 'always' OR recording = 'on_demand');"
    "ALTER TABLE queues ADD COLUMN recording_consent TEXT;" /* a prompt name or a WAV path */
    "ALTER TABLE queues ADD COLUMN recording_retention_days INTEGER NOT NULL DEFAULT 0"
    " CHECK (recording_retention_days >= 0);"
    "CREATE INDEX contacts_recorded ON contacts(t_disconnected)"
    " WHERE recording_ref IS NOT NULL;";

/*
 * Version 8: login sessions kept across restarts (src/server/session_keep.c)
 * in version 1's sessions table (token_hash: the token's BLAKE2b hash in
 * hex, never the token; last_seen_at to within a minute), which also needs
 * the session's CSRF token.
 */
static const char v8_sqlite[] = "ALTER TABLE sessions ADD COLUMN csrf TEXT;";

/*
 * Version 9: teams can be deactivated (docs/app.md, administration): kept for
 * the agents' and contacts' history, no longer offered for new members.
 */
static const char v9_sqlite[] = "ALTER TABLE teams ADD COLUMN active INTEGER NOT NULL DEFAULT 1;";

/*
 * Version 11: skills can be deactivated (docs/app.md, administration): kept on
 * agents' and queues' lists for their history, no longer offered for new
 * assignments and ignored by routing.
 */
static const char v11_sqlite[] = "ALTER TABLE skills ADD COLUMN active INTEGER NOT NULL DEFAULT 1;";

/*
 * Version 10: running campaigns survive a restart (docs/dialer.md, "Calls over
 * SIP"): whether a campaign is running and its run settings (the blending
 * rule, the agents it dials for, JSON array), and the mapping of the center's
 * disposition codes to dialer results (JSON {code: result}; NULL: by name).
 */
static const char v10_sqlite[] =
    "ALTER TABLE campaigns ADD COLUMN running INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE campaigns ADD COLUMN blend_min_sl REAL NOT NULL DEFAULT 0.8"
    " CHECK (blend_min_sl >= 0 AND blend_min_sl <= 1);"
    "ALTER TABLE campaigns ADD COLUMN blend_reserve INTEGER NOT NULL DEFAULT 0"
    " CHECK (blend_reserve >= 0);"
    "ALTER TABLE campaigns ADD COLUMN run_agents TEXT;"
    "ALTER TABLE campaigns ADD COLUMN disposition_map TEXT;";

/*
 * Version 12: the callback scheduler's request id (an ACD call id, or a number
 * of its own) moves out of callbacks.id into ivr_id. Written as the row's id,
 * it took numbers the table then gave the API's next rows (max + 1): an IVR
 * request could collide with a scheduled callback and be dropped. Existing
 * rows the IVR wrote (no created_by) keep their id and get it as ivr_id too.
 */
static const char v12_sqlite[] = "ALTER TABLE callbacks ADD COLUMN ivr_id INTEGER;"
				 "UPDATE callbacks SET ivr_id = id WHERE created_by IS NULL;"
				 "CREATE UNIQUE INDEX callbacks_ivr ON callbacks(ivr_id);";

/*
 * Version 13: which campaign and lead each dialler call was for (docs/dialer.md,
 * "The center's dispositions"), keyed by the center's call id (contacts.call_id),
 * written when the call enters the center: a disposition given later on its
 * contact record (PATCH /contacts/{id}) finds the lead here, after a restart
 * too. awaiting_disposition is 1 while such a disposition still applies: the
 * call ended without the dialer's disposition, none was applied later and the
 * lead was not called again. A new table: existing rows are kept as they are
 * (calls before this version have no link).
 */
static const char v13_sqlite[] =
    "CREATE TABLE dial_calls ("
    " call_id INTEGER PRIMARY KEY," /* the center's call id, as in contacts.call_id */
    " campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,"
    " lead_id INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,"
    " agent_id INTEGER," /* the agent who talked (a mapped callback is theirs); as given */
    " awaiting_disposition INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL);"
    "CREATE INDEX dial_calls_lead ON dial_calls(lead_id);";

/*
 * Version 14: a callback answering a voicemail message names the message (its
 * contact record) in message_id, and the ACD call that places a callback is
 * kept in call_id (indexed): the agent on that call sees the row's notes and
 * the message (GET /me/call).
 */
static const char v14_sqlite[] =
    "ALTER TABLE callbacks ADD COLUMN message_id INTEGER;"
    "CREATE INDEX callbacks_call ON callbacks(call_id) WHERE call_id IS NOT NULL;";

/*
 * Version 15: dial_attempts.lead_id indexed. Deleting a campaign or a lead list deletes its leads
 * at once, and each lead's ON DELETE SET NULL searched dial_attempts whole: 5,000 leads with
 * 3 attempts each took 7.7 s in SQLite 3.40 (0.06 s with the index), and the time grows with
 * the square of the list, all of it in the store writer.
 */
static const char v15_sqlite[] = "CREATE INDEX dial_attempts_lead ON dial_attempts(lead_id);";

const struct store_migration store_migrations[] = {
    {1, "initial schema", {[STORE_SQLITE] = v1_sqlite}},
    {2,
     "web application: preferences, referrals and goals, escalations",
     {[STORE_SQLITE] = v2_sqlite}},
    {3,
     "quality: scorecards, evaluations, disputes, sampling, calibration, coaching",
     {[STORE_SQLITE] = v3_sqlite}},
    {4,
     "outbound: campaigns, lead lists and leads, do-not-call, dial attempts",
     {[STORE_SQLITE] = v4_sqlite}},
    {5, "caller features: post-call survey per queue", {[STORE_SQLITE] = v5_sqlite}},
    {6, "call recording: per-queue mode, consent prompt, retention", {[STORE_SQLITE] = v6_sqlite}},
    {8, "login sessions kept across restarts", {[STORE_SQLITE] = v8_sqlite}},
    {9, "teams can be deactivated", {[STORE_SQLITE] = v9_sqlite}},
    {10,
     "running campaigns resume after a restart; blending rule and disposition mapping per campaign",
     {[STORE_SQLITE] = v10_sqlite}},
    {11, "skills can be deactivated", {[STORE_SQLITE] = v11_sqlite}},
    {12,
     "callback requests of the IVR keep their scheduler id apart from the row id",
     {[STORE_SQLITE] = v12_sqlite}},
    {13,
     "dialler calls keep their campaign and lead: a later disposition finds the lead",
     {[STORE_SQLITE] = v13_sqlite}},
    {14,
     "callbacks name the voicemail message they answer and the call placing them",
     {[STORE_SQLITE] = v14_sqlite}},
    {15,
     "dial attempts indexed by lead: deleting many leads no longer scans them once per lead",
     {[STORE_SQLITE] = v15_sqlite}},
};

const unsigned store_n_migrations = sizeof(store_migrations) / sizeof(store_migrations[0]);
