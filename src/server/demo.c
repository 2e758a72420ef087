/* demo: the demo center `serve --demo` seeds into an empty database (every password: "demo"). */
#include "server/serve.h"

#include "base/rng.h"
#include "http/pwhash.h"
#include "store/records.h"
#include "store/store.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <re.h>
#include <stdio.h>
#include <string.h>

/*
 * Demo Credit Union: one site (Europe/Berlin), one client, two agent teams
 * of twelve (agent1..agent24, extensions 1001..1024) led by lead1 and lead2
 * (extensions 1101, 1102, also in the team-leads group), super1, qa1,
 * planner1 and admin; queues general, billing, loans and a Spanish queue on
 * numbers 100..103, and a team-leads queue for overflow and escalations.
 * Then what the desktop shows: wrap-up codes in categories, a script per
 * queue, knowledge articles (products, services, policies, troubleshooting),
 * 320 customers (German, Spanish and other names; German phone numbers in
 * E.164, a few households sharing a landline) with accounts, cards, loans,
 * warranties and delivery addresses, and six weeks of their past calls as
 * closed contact records (no events: today's figures start empty). Names,
 * numbers and amounts come from a fixed seed, so every demo is the same.
 */

#define DEMO_REALM "switchboard"

static const struct store_stmt s_count_users = {"demo.count_users", "SELECT COUNT(*) FROM users",
						NULL};
static const struct store_stmt s_site = {
    "demo.site",
    "INSERT INTO sites (id, name, time_zone, country_code, trunk_prefix, intl_prefix, created_at)"
    " VALUES (1, 'Main office', 'Europe/Berlin', '49', '0', '00', $1)",
    NULL};
static const struct store_stmt s_client = {
    "demo.client",
    "INSERT INTO clients (id, name, site_id, created_at) VALUES (1, 'Demo Credit Union', 1, $1)",
    NULL};
static const struct store_stmt s_user = {
    "demo.user",
    "INSERT INTO users (id, login, display_name, email, password_hash, site_id, created_at,"
    " updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $6)",
    NULL};
static const struct store_stmt s_role = {
    "demo.role", "INSERT INTO user_roles (user_id, role) VALUES ($1, $2)", NULL};
static const struct store_stmt s_team = {
    "demo.team",
    "INSERT INTO teams (id, name, site_id, lead_user_id, created_at) VALUES ($1, $2, 1, $3, $4)",
    NULL};
static const struct store_stmt s_skill = {
    "demo.skill", "INSERT INTO skills (id, name, kind, description) VALUES ($1, $2, $3, $4)", NULL};
static const struct store_stmt s_agent = {
    "demo.agent",
    "INSERT INTO agents (id, user_id, display_name, team_id, site_id, rank, extension, sip_realm,"
    " sip_ha1, created_at, updated_at) VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $9)",
    NULL};
static const struct store_stmt s_agent_skill = {
    "demo.agent_skill", "INSERT INTO agent_skills (agent_id, skill_id, level) VALUES ($1, $2, $3)",
    NULL};
static const struct store_stmt s_agent_group = {
    "demo.agent_group", "INSERT INTO agent_groups (agent_id, team_id) VALUES ($1, $2)", NULL};
static const struct store_stmt s_queue = {
    "demo.queue",
    "INSERT INTO queues (id, client_id, site_id, name, strategy, group_id, max_wait_ms, overflow,"
    " overflow_queue_id, wrapup, wrapup_ms, sl_threshold_ms, sl_target_pct, resume_ms,"
    " created_at, updated_at)"
    " VALUES ($1, 1, 1, $2, $3, $4, $5, $6, $7, 'timed', $8, 20000, 80, 60000, $9, $9)",
    NULL};
static const struct store_stmt s_queue_skill = {
    "demo.queue_skill",
    "INSERT INTO queue_skills (queue_id, skill_id, min_level) VALUES ($1, $2, $3)", NULL};
static const struct store_stmt s_queue_tier = {
    "demo.queue_tier",
    "INSERT INTO queue_tiers (queue_id, step, after_ms, level_drop, group_id)"
    " VALUES ($1, $2, $3, $4, $5)",
    NULL};
static const struct store_stmt s_number = {"demo.number",
					   "INSERT INTO numbers (number, client_id, queue_id, "
					   "label, created_at) VALUES ($1, 1, $2, $3, $4)",
					   NULL};

static void ha1(const char *ext, char out[33])
{
	char in[128];
	uint8_t md[16];
	int n = snprintf(in, sizeof(in), "%s:%s:demo", ext, DEMO_REALM);
	md5((const uint8_t *)in, (size_t)n, md);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int add(struct store_job *job, const struct store_stmt *st, const struct store_value *v,
	       unsigned n)
{
	return store_job_add(job, st, v, n, 0);
}

/*
 * The agent N's level in a skill (0: none): everyone speaks English and
 * takes general calls; billing and loans by turns; a few speak Spanish.
 * The leads (n 25, 26) have every skill.
 */
static int demo_level(int n, int skill)
{
	if (n > 24)
		return skill == 5 ? 5 : skill == 4 ? 7 : 9;
	switch (skill) {
	case 1:
		return 5 + n % 5;
	case 2:
		return n % 3 == 0 ? 0 : 3 + n % 7;
	case 3:
		return n % 4 == 1 ? 4 + n % 6 : 0;
	case 4:
		return 7;
	case 5:
		return n % 6 == 0 || n == 2 || n == 14 ? 6 + n % 4 : 0;
	default:
		return 0;
	}
}

/* ---------- the center's content: dispositions, scripts, knowledge, customers, history ----------
 */

static const struct store_stmt s_disposition = {
    "demo.disposition",
    "INSERT INTO dispositions (id, client_id, code, label, category, requires_note)"
    " VALUES ($1, 1, $2, $3, $4, $5)",
    NULL};
static const struct store_stmt s_script = {
    "demo.script",
    "INSERT INTO scripts (client_id, queue_id, name, body, updated_at) VALUES (1, $1, $2, $3, $4)",
    NULL};
static const struct store_stmt s_article = {
    "demo.article",
    "INSERT INTO knowledge_articles (client_id, category, title, body, tags, created_at,"
    " updated_at) VALUES (1, $1, $2, $3, $4, $5, $5)",
    NULL};
static const struct store_stmt s_customer = {
    "demo.customer",
    "INSERT INTO customers (id, client_id, external_ref, name, email, language, notes,"
    " attributes, created_at, updated_at) VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $8)",
    NULL};
static const struct store_stmt s_phone = {
    "demo.phone", "INSERT INTO customer_phones (customer_id, e164, label) VALUES ($1, $2, $3)",
    NULL};
static const struct store_stmt s_item = {
    "demo.item",
    "INSERT INTO account_items (customer_id, type, reference, description, status, address,"
    " amount_minor, currency, valid_from, valid_until, data, created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, 'EUR', $8, $9, $10, $11, $11)",
    NULL};

/* Wrap-up codes: id, code, label, category, requires a note. */
static const struct demo_disposition {
	int64_t id;
	const char *code, *label, *category;
	bool note;
} dispositions[] = {
    {1, "RES-INFO", "Information given", "resolved", false},
    {2, "RES-BAL", "Balance or transaction query answered", "resolved", false},
    {3, "RES-CARD", "Card blocked or replacement ordered", "resolved", false},
    {4, "RES-PAY", "Payment arranged", "resolved", false},
    {5, "RES-DATA", "Contact details updated", "resolved", false},
    {6, "FUP-CB", "Callback promised", "follow_up", true},
    {7, "FUP-DOC", "Documents requested from the member", "follow_up", true},
    {8, "ESC-LEAD", "Escalated to a team lead", "escalated", true},
    {9, "ESC-FRAUD", "Passed to the fraud team", "escalated", true},
    {10, "SALE-LOAN", "Loan application started", "sale", false},
    {11, "SALE-SAV", "Savings product opened", "sale", false},
    {12, "SALE-CARD", "Card upgrade sold", "sale", false},
    {13, "CMP-FEE", "Complaint about fees", "complaint", true},
    {14, "CMP-SVC", "Complaint about service", "complaint", true},
    {15, "OTH-WRONG", "Wrong number or misrouted call", "other", false},
};
#define N_DISPOSITIONS (sizeof(dispositions) / sizeof(dispositions[0]))

/* Which codes each queue's calls end with in the history (ids, repeated to weight them). */
static const int64_t queue_dispositions[6][12] = {
    {0},
    {1, 1, 2, 2, 3, 5, 6, 8, 14, 15, 12, 1},	/* general */
    {2, 2, 4, 4, 4, 7, 13, 13, 8, 1, 6, 2},	/* billing */
    {10, 10, 10, 7, 7, 6, 1, 1, 11, 8, 14, 10}, /* loans */
    {1, 2, 3, 5, 6, 1, 2, 8, 15, 14, 11, 1},	/* general-es */
    {8, 9, 13, 14, 6, 4, 1, 9, 13, 14, 6, 3},	/* team-leads */
};

/* Notes an agent might write for a code (two each, in code order). */
static const char *const disposition_notes[N_DISPOSITIONS][2] = {
    {"Explained opening hours and branch services.",
     "Member asked how standing orders work; explained online setup."},
    {"Went through last month's card transactions with the member.",
     "Member queried a pending amount; explained it clears in two days."},
    {"Card reported lost; blocked it and ordered a replacement.",
     "Card damaged; replacement ordered to the address on file."},
    {"Agreed to split the overdue amount over three months.",
     "Member will pay the arrears by transfer on Friday."},
    {"Updated mobile number after verification.", "New postal address recorded."},
    {"Member wants a call back after speaking to their spouse.",
     "Call back tomorrow morning about the statement copy."},
    {"Asked for last three payslips for the loan check.",
     "Requested proof of address; sent the upload link."},
    {"Member insisted on speaking to a lead about the fee.",
     "Passed to team lead: disputed charge above my refund limit."},
    {"Unknown card payments abroad; card blocked, case opened with fraud team.",
     "Member received a phishing text and entered details; passed to fraud team."},
    {"Car loan application started, 60 months.", "Started a personal loan application."},
    {"Opened a monthly savings plan.", "Opened a youth savings account for the member's child."},
    {"Upgraded to Visa Gold with travel insurance.", "Raised card limit and upgraded the card."},
    {"Member unhappy about the overdraft fee; explained the tariff.",
     "Complaint about account fee increase; logged."},
    {"Waited too long in the queue last time and was cut off.",
     "Unhappy with a branch visit; logged for the branch manager."},
    {"Caller wanted another bank.", "Misrouted: transferred to the general line number."},
};

/* ----- scripts ----- */

struct script_branch {
	const char *label, *next;
};

struct script_step {
	const char *id, *title, *text;
	const char *fields[4];
	struct script_branch branches[4];
	const char *next;
};

struct demo_script {
	int64_t queue;
	const char *name;
	const char *language;
	const struct script_step *steps;
};

static const struct script_step s_general[] = {
    {"greeting",
     "Greeting",
     "Good day, Demo Credit Union, my name is {{agent.first_name}}. How can I help you?",
     {NULL},
     {{NULL, NULL}},
     "verify"},
    {"verify",
     "Verify the member",
     "Before we go on I need to confirm who I am speaking with. Could you tell me your member "
     "number and your date of birth? (On screen: {{customer.name}}, member "
     "{{customer.external_ref}}.)",
     {"customer.name", "customer.external_ref"},
     {{"Details match", "reason"}, {"Details do not match", "unverified"}},
     NULL},
    {"unverified",
     "Could not verify",
     "I am sorry, {{customer.first_name}}, I cannot discuss account details without "
     "verification. I can give general information, or you can visit a branch with your ID.",
     {"customer.first_name"},
     {{"General question", "reason"}, {"End the call", "close"}},
     NULL},
    {"reason",
     "Reason for the call",
     "Thank you, {{customer.first_name}}. What is your call about today?",
     {"customer.first_name"},
     {{"Card lost or stolen", "card"},
      {"Balance or transactions", "balance"},
      {"Change of details", "details"},
      {"Something else", "close"}},
     NULL},
    {"card",
     "Block the card",
     "I will block the card ending {{account.product.reference}} now. A replacement goes to "
     "{{account.shipping.address}}; it arrives in five working days. Is that address still "
     "right?",
     {"account.product.reference", "account.shipping.address"},
     {{"Address right", "close"}, {"Address changed", "details"}},
     NULL},
    {"balance",
     "Balance and transactions",
     "The balance of account {{account.billing.reference}} is {{account.billing.balance}}. "
     "Which transaction would you like to go through?",
     {"account.billing.reference", "account.billing.balance"},
     {{NULL, NULL}},
     "close"},
    {"details",
     "Change of details",
     "Please spell the new address or number for me; I will read it back to you.",
     {NULL},
     {{NULL, NULL}},
     "close"},
    {"close",
     "Close",
     "Is there anything else I can do for you, {{customer.first_name}}? Thank you for calling "
     "Demo Credit Union, goodbye.",
     {"customer.first_name"},
     {{NULL, NULL}},
     NULL},
    {NULL, NULL, NULL, {NULL}, {{NULL, NULL}}, NULL},
};

static const struct script_step s_billing[] = {
    {"greeting",
     "Greeting",
     "Demo Credit Union billing, {{agent.first_name}} speaking. How can I help?",
     {NULL},
     {{NULL, NULL}},
     "verify"},
    {"verify",
     "Verify the member",
     "May I have your member number and the postcode on your statements? (On screen: "
     "{{customer.external_ref}}, {{account.billing.address}}.)",
     {"customer.external_ref", "account.billing.address"},
     {{"Details match", "topic"}, {"Details do not match", "close"}},
     NULL},
    {"topic",
     "What is it about",
     "Thank you, {{customer.first_name}}. Is this about a fee, a statement, or a payment you "
     "owe us?",
     {"customer.first_name"},
     {{"A fee", "fee"}, {"A statement", "statement"}, {"A payment due", "arrangement"}},
     NULL},
    {"fee",
     "Fee query",
     "Look at the fee on {{account.billing.reference}}. First fee of its kind in twelve months: "
     "you may refund it (policy: fee refunds). Otherwise explain the tariff and offer to log a "
     "complaint.",
     {"account.billing.reference"},
     {{"Refunded", "close"}, {"Not refundable: complaint", "complaint"}},
     NULL},
    {"complaint",
     "Log the complaint",
     "I am sorry this has upset you. I am recording your complaint now; you will have a written "
     "answer within 15 working days.",
     {NULL},
     {{NULL, NULL}},
     "close"},
    {"statement",
     "Statement",
     "Statements go to {{account.shipping.address}}. I can send a copy by post or to "
     "{{customer.email}}.",
     {"account.shipping.address", "customer.email"},
     {{NULL, NULL}},
     "close"},
    {"arrangement",
     "Payment arrangement",
     "The amount due is {{account.billing.balance}}. We can split it over up to three months "
     "without a fee. Which date suits you for the first payment?",
     {"account.billing.balance"},
     {{NULL, NULL}},
     "close"},
    {"close",
     "Close",
     "Thank you for calling, {{customer.first_name}}. Goodbye.",
     {"customer.first_name"},
     {{NULL, NULL}},
     NULL},
    {NULL, NULL, NULL, {NULL}, {{NULL, NULL}}, NULL},
};

static const struct script_step s_loans[] = {
    {"greeting",
     "Greeting",
     "Demo Credit Union loans, {{agent.first_name}} speaking. Are you calling about a new loan "
     "or one you already have?",
     {NULL},
     {{"New loan", "needs"}, {"Existing loan", "verify"}},
     NULL},
    {"verify",
     "Verify the member",
     "For your existing loan I need your member number and date of birth. (On screen: "
     "{{customer.name}}, {{customer.external_ref}}.)",
     {"customer.name", "customer.external_ref"},
     {{"Details match", "existing"}, {"Details do not match", "close"}},
     NULL},
    {"existing",
     "Existing loan",
     "Your loan {{account.product.reference}} has {{account.product.balance}} outstanding. "
     "Early repayment is free of charge for members; do you want a settlement figure?",
     {"account.product.reference", "account.product.balance"},
     {{NULL, NULL}},
     "close"},
    {"needs",
     "Needs",
     "What would the loan be for, how much would you like to borrow and over how many months?",
     {NULL},
     {{"Car", "affordability"}, {"Home", "mortgage"}, {"Other", "affordability"}},
     NULL},
    {"affordability",
     "Affordability",
     "Roughly what is your monthly income after tax, and what do you pay each month for rent "
     "and other loans? (Enter the figures in the calculator.)",
     {NULL},
     {{"Affordable", "apply"}, {"Not affordable now", "close"}},
     NULL},
    {"mortgage",
     "Mortgage appointment",
     "Mortgages need a meeting with an adviser. I can book one at your branch; which day "
     "suits you?",
     {NULL},
     {{NULL, NULL}},
     "close"},
    {"apply",
     "Start the application",
     "I will start the application now and send the forms to {{customer.email}}. We need your "
     "last three payslips.",
     {"customer.email"},
     {{NULL, NULL}},
     "close"},
    {"close",
     "Close",
     "Thank you, {{customer.first_name}}. Is there anything else? Goodbye.",
     {"customer.first_name"},
     {{NULL, NULL}},
     NULL},
    {NULL, NULL, NULL, {NULL}, {{NULL, NULL}}, NULL},
};

static const struct script_step s_spanish[] = {
    {"saludo",
     "Saludo",
     "Buenos días, Demo Credit Union, le atiende {{agent.first_name}}. ¿En qué puedo ayudarle?",
     {NULL},
     {{NULL, NULL}},
     "verificar"},
    {"verificar",
     "Verificar al socio",
     "Antes de seguir, ¿me puede decir su número de socio y su fecha de nacimiento? (En "
     "pantalla: {{customer.name}}, {{customer.external_ref}}.)",
     {"customer.name", "customer.external_ref"},
     {{"Los datos coinciden", "motivo"}, {"Los datos no coinciden", "sin_verificar"}},
     NULL},
    {"sin_verificar",
     "No verificado",
     "Lo siento, {{customer.first_name}}, sin verificación no puedo darle datos de su cuenta. "
     "Puedo darle información general.",
     {"customer.first_name"},
     {{"Pregunta general", "motivo"}, {"Terminar", "despedida"}},
     NULL},
    {"motivo",
     "Motivo de la llamada",
     "Gracias, {{customer.first_name}}. ¿Cuál es el motivo de su llamada?",
     {"customer.first_name"},
     {{"Tarjeta perdida", "tarjeta"},
      {"Saldo o movimientos", "saldo"},
      {"Otro asunto", "despedida"}},
     NULL},
    {"tarjeta",
     "Bloquear la tarjeta",
     "Bloqueo ahora la tarjeta {{account.product.reference}}. La nueva llegará a "
     "{{account.shipping.address}} en cinco días laborables.",
     {"account.product.reference", "account.shipping.address"},
     {{NULL, NULL}},
     "despedida"},
    {"saldo",
     "Saldo",
     "El saldo de la cuenta {{account.billing.reference}} es {{account.billing.balance}}.",
     {"account.billing.reference", "account.billing.balance"},
     {{NULL, NULL}},
     "despedida"},
    {"despedida",
     "Despedida",
     "¿Puedo ayudarle en algo más, {{customer.first_name}}? Gracias por llamar, adiós.",
     {"customer.first_name"},
     {{NULL, NULL}},
     NULL},
    {NULL, NULL, NULL, {NULL}, {{NULL, NULL}}, NULL},
};

static const struct script_step s_leads[] = {
    {"acknowledge",
     "Take over",
     "Hello {{customer.first_name}}, I am {{agent.first_name}}, the team lead. My colleague has "
     "told me what happened; let me make sure I have understood it.",
     {"customer.first_name"},
     {{NULL, NULL}},
     "history"},
    {"history",
     "Read the history",
     "Check the member's last contacts and notes below before you promise anything.",
     {"customer.history"},
     {{"Can resolve now", "resolve"}, {"Needs another department", "handover"}},
     NULL},
    {"resolve",
     "Resolve",
     "Tell the member what you will do and by when. Refunds up to 100 EUR you may grant "
     "yourself (policy: fee refunds).",
     {NULL},
     {{NULL, NULL}},
     "close"},
    {"handover",
     "Hand over",
     "Explain who will call back and when; schedule the callback before you end the call.",
     {NULL},
     {{NULL, NULL}},
     "close"},
    {"close",
     "Close",
     "Thank you for your patience, {{customer.first_name}}. Goodbye.",
     {"customer.first_name"},
     {{NULL, NULL}},
     NULL},
    {NULL, NULL, NULL, {NULL}, {{NULL, NULL}}, NULL},
};

static const struct demo_script scripts[] = {
    {1, "General line", "en", s_general},
    {2, "Billing", "en", s_billing},
    {3, "Loans", "en", s_loans},
    {4, "Línea general en español", "es", s_spanish},
    {5, "Team lead escalation", "en", s_leads},
};

/*
 * A script's body: JSON {"language", "start", "steps": [{"id", "title",
 * "text", "fields": [...], "branches": [{"label", "next"}], "next"}]}. The
 * text holds {{object.field}} placeholders the desktop fills in (customer,
 * agent, account.<type>); a step either branches or names its next step;
 * a step with neither ends the script.
 */
static char *script_json(const struct demo_script *s)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "language", s->language);
	cJSON_AddStringToObject(o, "start", s->steps[0].id);
	cJSON *steps = cJSON_AddArrayToObject(o, "steps");
	for (const struct script_step *st = s->steps; steps && st->id; st++) {
		cJSON *j = cJSON_CreateObject();
		if (!j)
			break;
		cJSON_AddItemToArray(steps, j);
		cJSON_AddStringToObject(j, "id", st->id);
		cJSON_AddStringToObject(j, "title", st->title);
		cJSON_AddStringToObject(j, "text", st->text);
		cJSON *f = cJSON_AddArrayToObject(j, "fields");
		for (int k = 0; f && k < 4 && st->fields[k]; k++)
			cJSON_AddItemToArray(f, cJSON_CreateString(st->fields[k]));
		if (st->branches[0].label) {
			cJSON *b = cJSON_AddArrayToObject(j, "branches");
			for (int k = 0; b && k < 4 && st->branches[k].label; k++) {
				cJSON *one = cJSON_CreateObject();
				if (!one)
					break;
				cJSON_AddItemToArray(b, one);
				cJSON_AddStringToObject(one, "label", st->branches[k].label);
				cJSON_AddStringToObject(one, "next", st->branches[k].next);
			}
		}
		if (st->next)
			cJSON_AddStringToObject(j, "next", st->next);
	}
	char *txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return txt;
}

/* ----- knowledge articles ----- */

static const struct demo_article {
	const char *category, *title, *tags, *body;
} articles[] = {
    {"products", "Visa Classic and Visa Gold compared", "card,visa,credit card,limit",
     "Both cards are credit cards with a monthly statement and automatic repayment from the "
     "checking account.\n\n"
     "| | Visa Classic | Visa Gold |\n|---|---|---|\n"
     "| annual fee | 0 EUR | 49 EUR |\n| usual limit | 1,000-3,000 EUR | 3,000-10,000 EUR |\n"
     "| travel insurance | no | yes, worldwide, family included |\n"
     "| purchase protection | 90 days | 2 years |\n\n"
     "An upgrade needs no new application when the member has had the Classic card for six "
     "months without arrears; use disposition SALE-CARD."},
    {"products", "Car loans: rates, terms and early repayment", "loan,car,rate,repayment",
     "Car loans run 12 to 84 months for 3,000 to 60,000 EUR. The rate depends on the term "
     "(from 4.9 % for 24 months). The car does not serve as security.\n\n"
     "Members may repay early at any time without a fee, in part or in full. A settlement "
     "figure is valid for ten days. Payment protection insurance is optional and can be "
     "cancelled within 30 days."},
    {"products", "Savings plan", "savings,plan,interest,child",
     "A savings plan collects a fixed amount (from 25 EUR) each month from the checking "
     "account. Interest is variable and paid once a year. The plan can be paused for up to six "
     "months a year.\n\nFor members under 18 the youth savings account pays a bonus rate on the "
     "first 1,000 EUR; a parent must sign the opening form."},
    {"products", "Checking account tariffs", "account,fees,overdraft,tariff",
     "Basic: 3 EUR a month, branch and online banking, girocard included. Plus: 7 EUR a month, "
     "includes Visa Classic and free withdrawals at every cash machine in the euro area. "
     "Members under 27 pay nothing.\n\nThe arranged overdraft costs 9.9 % a year; beyond the "
     "arranged limit 13.9 %."},
    {"services", "Blocking a lost or stolen card", "card,lost,stolen,block,fraud",
     "1. Verify the member (see policy: verifying a caller).\n"
     "2. Block the card at once; do not wait for the member to search further.\n"
     "3. Ask whether payments they do not recognise were made; if so, open a fraud case "
     "(disposition ESC-FRAUD).\n"
     "4. Order the replacement to the delivery address on file; it arrives in five working "
     "days. An express card (2 days, 15 EUR) is free for Gold cards.\n\n"
     "A blocked card cannot be unblocked."},
    {"services", "Changing address or contact details", "address,phone,email,details",
     "Address, phone and e-mail can be changed on the phone after full verification. A change "
     "of name needs a document (marriage certificate, ID card): send the upload link.\n\n"
     "After an address change, cards and statements on their way still go to the old address. "
     "Use disposition RES-DATA."},
    {"services", "International transfers and fees", "transfer,swift,sepa,fees,abroad",
     "SEPA transfers in euro are free and arrive the next working day. Transfers outside SEPA "
     "cost 0.15 % (at least 10 EUR) plus the other bank's charges; they take two to five "
     "working days.\n\nA transfer can be recalled only until it has left the bank, normally "
     "the same day before 15:00."},
    {"services", "Resetting online banking access", "online banking,password,login,pin",
     "Agents cannot see or set online banking passwords. After verification, send a reset "
     "letter to the postal address (arrives in three days) or, for members who have the app, "
     "a reset link by text message to the mobile number on file."},
    {"policies", "Verifying a caller's identity", "verification,identity,security,policy",
     "Before discussing any account, ask for two of: member number, date of birth, postcode "
     "of the statement address, the last four digits of a card. Never ask for a PIN, a full "
     "card number or an online banking password.\n\n"
     "Callers who fail verification get general information only. Three failed attempts: end "
     "the call politely and note it."},
    {"policies", "Talking to third parties",
     "data protection,privacy,third party,power of attorney",
     "We discuss an account only with the member, or with someone holding a power of attorney "
     "on file. Spouses are third parties unless the account is joint. If a caller says they "
     "call for a family member, offer to call the member back on the number on file."},
    {"policies", "Fee refunds", "fees,refund,goodwill,complaint",
     "Agents may refund one fee of each kind per member in twelve months, up to 30 EUR, as a "
     "goodwill gesture. Team leads may refund up to 100 EUR. Anything above goes to the "
     "complaints team.\n\nRecord every refund in the contact notes."},
    {"policies", "Complaints", "complaint,escalation,deadline",
     "A complaint is any expression of dissatisfaction, even when the member does not use the "
     "word. Log it with disposition CMP-FEE or CMP-SVC and a note of what the member wants.\n\n"
     "We confirm receipt within two working days and answer within 15. If the member asks for "
     "a manager, transfer to the team-leads queue."},
    {"troubleshooting", "Card declined at a terminal", "card,declined,terminal,limit",
     "Check in this order:\n"
     "1. Is the card blocked or expired?\n"
     "2. Is the daily limit reached (girocard 1,000 EUR, Visa as agreed)?\n"
     "3. Was the PIN entered wrong three times? The card is locked until the next day.\n"
     "4. Abroad: is the card's region setting limited to Europe? It can be changed on the "
     "phone after verification.\n"
     "If none applies, note the time and place and escalate to the card team."},
    {"troubleshooting", "Confirmation codes not arriving", "online banking,sms,tan,app",
     "Confirmation codes go to the mobile number on file. Check the number with the member. "
     "Codes are not sent to numbers changed in the last 24 hours (fraud protection). If the "
     "member has a new phone, the banking app must be registered again with a letter."},
    {"troubleshooting", "Returned direct debit", "direct debit,returned,arrears,fee",
     "A direct debit is returned when the account lacks funds on the due date. The creditor "
     "may charge a fee; we charge 3 EUR. Advise the member to pay the creditor by transfer and "
     "offer an arranged overdraft if it happens often."},
    {"troubleshooting", "Statement not received", "statement,post,address",
     "Statements are posted on the second working day of the month. Check the delivery "
     "address (shipping item). If it is right, send a copy and offer e-mail statements; if "
     "not, correct it and send the copy to the new address."},
};

/* ----- customers ----- */

static const char *const de_first[] = {
    "Lukas",  "Jonas",	"Leon",	   "Felix",  "Maximilian", "Paul",     "Elias",	  "Finn",
    "Anna",   "Lena",	"Marie",   "Sophie", "Laura",	   "Julia",    "Hannah",  "Lea",
    "Klaus",  "Jürgen", "Sabine",  "Monika", "Petra",	   "Wolfgang", "Ursula",  "Dieter",
    "Renate", "Stefan", "Andreas", "Birgit", "Heike",	   "Thomas",   "Michael", "Katharina",
};
static const char *const de_last[] = {
    "Müller",  "Schmidt",  "Schneider",	 "Fischer", "Weber",   "Meyer",	   "Wagner", "Becker",
    "Schulz",  "Hoffmann", "Koch",	 "Bauer",   "Richter", "Klein",	   "Wolf",   "Schröder",
    "Neumann", "Schwarz",  "Zimmermann", "Braun",   "Krüger",  "Hartmann", "Lange",  "Schmitt",
    "Werner",  "Krause",   "Meier",	 "Lehmann", "Köhler",  "Huber",	   "Kaiser", "Fuchs",
    "Peters",  "Vogel",	   "Jung",	 "Günther", "Frank",   "Berger",   "Lorenz", "Weiß",
};
static const char *const es_first[] = {
    "María",  "José",	   "Carmen",   "Antonio",   "Lucía",  "Javier", "Elena", "Manuel",
    "Isabel", "Francisco", "Pilar",    "Alejandro", "Sofía",  "Pablo",	"Marta", "Diego",
    "Rosa",   "Andrés",	   "Cristina", "Sergio",    "Miguel", "Ana",	"Raúl",	 "Nuria",
};
static const char *const es_last[] = {
    "García", "Fernández", "González", "Rodríguez", "López",	 "Martínez", "Sánchez", "Pérez",
    "Gómez",  "Martín",	   "Jiménez",  "Ruiz",	    "Hernández", "Díaz",     "Moreno",	"Álvarez",
    "Romero", "Navarro",   "Torres",   "Domínguez", "Vázquez",	 "Ramos",    "Serrano", "Castro",
};
static const char *const en_first[] = {
    "Emily", "James",  "Oliver", "Charlotte", "Daniel",	   "Sarah",  "Liam",  "Grace",
    "Aisha", "Mehmet", "Elif",	 "Piotr",     "Katarzyna", "Giulia", "Marco", "Yusuf",
};
static const char *const en_last[] = {
    "Smith",	"Walsh", "O'Brien", "Taylor",  "Evans", "Yılmaz",  "Kaya",   "Demir",
    "Kowalski", "Nowak", "Rossi",   "Bianchi", "Novak", "Popescu", "Murphy", "Campbell",
};

struct demo_city {
	const char *name, *area; /* city and its dialling code (without the trunk 0) */
	int zip_lo, zip_hi;
	int sub_digits; /* digits of a landline subscriber number */
};

static const struct demo_city cities[] = {
    {"Berlin", "30", 10115, 14199, 8},
    {"München", "89", 80331, 81929, 8},
    {"Hamburg", "40", 20095, 22769, 8},
    {"Köln", "221", 50667, 51149, 7},
    {"Frankfurt am Main", "69", 60306, 60599, 8},
    {"Leipzig", "341", 4103, 4357, 7},
};

static const char *const streets[] = {
    "Lindenstraße",  "Hauptstraße", "Gartenweg",       "Schillerstraße", "Goethestraße",
    "Bahnhofstraße", "Am Markt",    "Rosenweg",	       "Kastanienallee", "Bergstraße",
    "Mühlenweg",     "Parkstraße",  "Friedrichstraße", "Ringstraße",	 "Eichendorffweg",
};

static const char *const mobile_prefixes[] = {"151", "152", "157", "159", "160", "162",
					      "163", "170", "171", "172", "173", "174",
					      "175", "176", "177", "178", "179"};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define DAY_MS	(24LL * 3600 * 1000)

static const char *pick(struct rng *r, const char *const *v, size_t n)
{
	return v[rng_below(r, n)];
}

/* ASCII for an e-mail address: lower case, umlauts as ae/oe/ue, accents dropped. */
static void ascii_lower(const char *in, char *out, size_t len)
{
	static const struct {
		const char *utf8, *ascii;
	} map[] = {{"ä", "ae"}, {"ö", "oe"}, {"ü", "ue"}, {"Ä", "ae"}, {"Ö", "oe"},
		   {"Ü", "ue"}, {"ß", "ss"}, {"á", "a"},  {"é", "e"},  {"í", "i"},
		   {"ó", "o"},	{"ú", "u"},  {"Á", "a"},  {"É", "e"},  {"Í", "i"},
		   {"Ó", "o"},	{"Ú", "u"},  {"ñ", "n"},  {"ı", "i"}};
	size_t o = 0;
	for (const char *p = in; *p && o + 3 < len;) {
		bool done = false;
		for (size_t k = 0; k < N_OF(map) && !done; k++) {
			size_t n = strlen(map[k].utf8);
			if (strncmp(p, map[k].utf8, n) == 0) {
				for (const char *a = map[k].ascii; *a && o + 1 < len; a++)
					out[o++] = *a;
				p += n;
				done = true;
			}
		}
		if (done)
			continue;
		unsigned char ch = (unsigned char)*p++;
		if (ch >= 'A' && ch <= 'Z')
			out[o++] = (char)(ch - 'A' + 'a');
		else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			out[o++] = (char)ch;
	}
	out[o] = '\0';
}

/* n random decimal digits, the first not 0. */
static void digits(struct rng *r, char *out, int n)
{
	for (int i = 0; i < n; i++)
		out[i] = (char)('0' + (i == 0 ? 1 + rng_below(r, 9) : rng_below(r, 10)));
	out[n] = '\0';
}

struct gen {
	struct store_job *job;
	struct rng r;
	int64_t now;
	int64_t next_contact;
};

static int gen_add(struct gen *g, const struct store_stmt *st, const struct store_value *v,
		   unsigned n)
{
	return store_job_add(g->job, st, v, n, 0);
}

/* One account item; 0 for "none" in amount and times. */
struct item {
	const char *type, *reference, *description, *status, *address, *data;
	int64_t amount_minor, valid_from, valid_until;
	bool has_amount;
};

static int add_item(struct gen *g, int64_t customer, const struct item *it)
{
	struct store_value v[] = {
	    store_int(customer),
	    store_text(it->type),
	    store_text(it->reference),
	    store_text(it->description),
	    store_text(it->status),
	    store_text(it->address),
	    it->has_amount ? store_int(it->amount_minor) : store_null(),
	    it->valid_from ? store_int(it->valid_from) : store_null(),
	    it->valid_until ? store_int(it->valid_until) : store_null(),
	    store_text(it->data),
	    store_int(g->now),
	};
	return gen_add(g, &s_item, v, 11);
}

/* What a customer holds; the history draws on it. */
struct holdings {
	bool car_loan, mortgage, gold;
	char card_ref[24];
};

static int add_items(struct gen *g, int64_t customer, const char *address, struct holdings *h)
{
	struct rng *r = &g->r;
	char ref[32], data[128];
	int err;
	/* billing: the checking account, and often a savings account */
	int64_t balance = (int64_t)rng_below(r, 900000) - 60000;
	snprintf(ref, sizeof(ref), "CHK-%08u", (unsigned)rng_below(r, 100000000));
	snprintf(data, sizeof(data), "{\"overdraft_limit_minor\":%u,\"tariff\":\"%s\"}",
		 (unsigned)(rng_below(r, 5) * 50000), rng_below(r, 3) ? "basic" : "plus");
	struct item it = {"billing",
			  ref,
			  "Checking account",
			  balance < 0 ? "overdrawn" : "active",
			  address,
			  data,
			  balance,
			  0,
			  0,
			  true};
	if ((err = add_item(g, customer, &it)))
		return err;
	if (rng_below(r, 10) < 4) {
		snprintf(ref, sizeof(ref), "SAV-%08u", (unsigned)rng_below(r, 100000000));
		struct item sv = {"billing",
				  ref,
				  "Savings account",
				  "active",
				  address,
				  NULL,
				  (int64_t)rng_below(r, 2500000),
				  0,
				  0,
				  true};
		if ((err = add_item(g, customer, &sv)))
			return err;
	}
	/* shipping: where cards and statements go */
	struct item sh = {"shipping",
			  NULL,
			  "Cards and statements",
			  rng_below(r, 8) ? "verified" : "unverified",
			  address,
			  NULL,
			  0,
			  0,
			  0,
			  false};
	if ((err = add_item(g, customer, &sh)))
		return err;
	/* products: a card for most, loans for some */
	memset(h, 0, sizeof(*h));
	h->gold = rng_below(r, 5) == 0;
	snprintf(h->card_ref, sizeof(h->card_ref), "**** %04u", (unsigned)rng_below(r, 10000));
	snprintf(data, sizeof(data), "{\"limit_minor\":%u}",
		 (unsigned)((h->gold ? 300000 : 100000) + rng_below(r, 5) * 50000));
	struct item card = {
	    "product", h->card_ref, h->gold ? "Visa Gold credit card" : "Visa Classic credit card",
	    "active",  NULL,	    data,
	    0,	       0,	    0,
	    false};
	if (rng_below(r, 10) < 8 && (err = add_item(g, customer, &card)))
		return err;
	if (rng_below(r, 10) < 3) {
		h->car_loan = true;
		int64_t principal = 500000 + (int64_t)rng_below(r, 30) * 100000;
		int months = 24 + 12 * (int)rng_below(r, 6);
		snprintf(ref, sizeof(ref), "CAR-%06u", (unsigned)rng_below(r, 1000000));
		snprintf(data, sizeof(data), "{\"rate_pct\":%.1f,\"term_months\":%d}",
			 4.9 + 0.5 * (double)rng_below(r, 5), months);
		int64_t from = g->now - (int64_t)rng_below(r, 900) * DAY_MS;
		struct item loan = {"product",
				    ref,
				    "Car loan",
				    rng_below(r, 12) ? "active" : "in arrears",
				    NULL,
				    data,
				    principal,
				    from,
				    from + months * 30 * DAY_MS,
				    true};
		if ((err = add_item(g, customer, &loan)))
			return err;
		/* payment protection on the loan, for some */
		if (rng_below(r, 2)) {
			snprintf(ref, sizeof(ref), "PPI-%06u", (unsigned)rng_below(r, 1000000));
			struct item ppi = {
			    "warranty", ref,  "Payment protection insurance for the car loan",
			    "active",	NULL, NULL,
			    0,		from, from + months * 30 * DAY_MS,
			    false};
			if ((err = add_item(g, customer, &ppi)))
				return err;
		}
	}
	if (rng_below(r, 12) == 0) {
		h->mortgage = true;
		snprintf(ref, sizeof(ref), "MTG-%06u", (unsigned)rng_below(r, 1000000));
		int64_t from = g->now - (int64_t)rng_below(r, 3000) * DAY_MS;
		struct item m = {"product",
				 ref,
				 "Mortgage",
				 "active",
				 NULL,
				 "{\"rate_pct\":3.2,\"fixed_years\":10}",
				 15000000 + (int64_t)rng_below(r, 30) * 1000000,
				 from,
				 from + 25 * 365 * DAY_MS,
				 true};
		if ((err = add_item(g, customer, &m)))
			return err;
	}
	if (rng_below(r, 4) == 0) {
		snprintf(ref, sizeof(ref), "SPL-%06u", (unsigned)rng_below(r, 1000000));
		snprintf(data, sizeof(data), "{\"monthly_minor\":%u}",
			 (unsigned)(2500 + rng_below(r, 8) * 2500));
		struct item sp = {"product", ref, "Savings plan", "active", NULL, data, 0,
				  0,	     0,	  false};
		if ((err = add_item(g, customer, &sp)))
			return err;
	}
	/* warranties: purchase protection on goods bought with the card, travel cover with Gold */
	static const char *const goods[] = {"washing machine", "laptop",	"e-bike",
					    "smartphone",      "television",	"dishwasher",
					    "camera",	       "coffee machine"};
	if (rng_below(r, 3) == 0) {
		char desc[96];
		snprintf(desc, sizeof(desc), "Purchase protection: %s bought with the card",
			 pick(r, goods, N_OF(goods)));
		snprintf(ref, sizeof(ref), "PP-%07u", (unsigned)rng_below(r, 10000000));
		int64_t from = g->now - (int64_t)rng_below(r, 1000) * DAY_MS;
		int64_t until = from + 730 * DAY_MS;
		struct item w = {"warranty",
				 ref,
				 desc,
				 until > g->now ? "active" : "expired",
				 NULL,
				 NULL,
				 (int64_t)(20000 + rng_below(r, 200) * 1000),
				 from,
				 until,
				 true};
		if ((err = add_item(g, customer, &w)))
			return err;
	}
	if (h->gold) {
		snprintf(ref, sizeof(ref), "TRV-%06u", (unsigned)rng_below(r, 1000000));
		int64_t from = g->now - (int64_t)rng_below(r, 300) * DAY_MS;
		struct item tr = {"warranty", ref,  "Travel insurance (Visa Gold)",
				  "active",   NULL, NULL,
				  0,	      from, from + 365 * DAY_MS,
				  false};
		if ((err = add_item(g, customer, &tr)))
			return err;
	}
	return 0;
}

/* Agents who could have taken a call of queue q in the history. */
static int history_agent(struct rng *r, int64_t q)
{
	static const int skill_of[6] = {0, 1, 2, 3, 1, 0};
	if (q == 5)
		return 101 + (int)rng_below(r, 2);
	for (;;) {
		int n = 1 + (int)rng_below(r, 24);
		if (demo_level(n, skill_of[q]) >= 3 && (q != 4 || demo_level(n, 5) > 0))
			return n;
	}
}

/* The customer's past calls over the last six weeks: closed contact records, no events. */
static int add_history(struct gen *g, int64_t customer, const char *number, bool spanish,
		       const struct holdings *h)
{
	struct rng *r = &g->r;
	int n = (int)rng_below(r, 6); /* 0..5 calls */
	static const char *const system_numbers[6] = {NULL, "100", "101", "102", "103", "100"};
	for (int i = 0; i < n; i++) {
		int64_t q = spanish && rng_below(r, 4) ? 4 : 1 + (int64_t)rng_below(r, 3);
		if ((h->car_loan || h->mortgage) && rng_below(r, 3) == 0)
			q = 3;
		if (rng_below(r, 15) == 0)
			q = 5; /* escalated to the team leads */
		/* a working day, between about 8:00 and 19:00 local time */
		int64_t day = (g->now / DAY_MS) - 1 - (int64_t)rng_below(r, 42);
		if ((day + 4) % 7 == 0)
			day--; /* Sunday: closed */
		int64_t t0 = day * DAY_MS + (int64_t)(6 * 3600 + rng_below(r, 11 * 3600)) * 1000 +
			     (int64_t)rng_below(r, 1000);
		struct store_contact c;
		memset(&c, 0, sizeof(c));
		c.id = ++g->next_contact;
		c.call_id = t0 * 1000 + (c.id % 1000);
		c.initial_id = c.id;
		c.client_id = 1;
		c.channel = "voice";
		c.direction = "inbound";
		c.initiation = q == 5 ? "transfer" : "inbound";
		c.customer_id = customer;
		c.customer_number = number;
		c.system_number = system_numbers[q];
		c.queue_id = q;
		c.t_initiated = t0;
		c.t_enqueued = t0;
		int64_t wait = (int64_t)rng_exp(r, 25000.0);
		if (rng_below(r, 100) < 8) {
			/* gave up waiting */
			c.t_disconnected = t0 + wait + 3000;
			c.disconnect_reason = "abandoned";
			c.updated_at = c.t_disconnected;
		} else {
			c.agent_id = history_agent(r, q);
			c.t_dequeued = c.t_connected = t0 + wait;
			int64_t talk = 45000 + (int64_t)rng_exp(r, 200000.0);
			if (rng_below(r, 5) == 0) {
				c.hold_count = 1 + (int64_t)rng_below(r, 2);
				c.hold_ms = c.hold_count * (10000 + (int64_t)rng_below(r, 50000));
			}
			c.t_disconnected = c.t_connected + talk + c.hold_ms;
			c.disconnect_reason =
			    rng_below(r, 4) ? "customer_disconnect" : "agent_disconnect";
			c.t_wrap_start = c.t_disconnected;
			c.t_wrap_end = c.t_wrap_start + 5000 + (int64_t)rng_below(r, 40000);
			c.disposition_id = queue_dispositions[q][rng_below(r, 12)];
			c.notes = disposition_notes[c.disposition_id - 1][rng_below(r, 2)];
			c.updated_at = c.t_wrap_end;
		}
		struct store_job *job = g->job;
		int err = store_job_contact_put(job, &c);
		if (err)
			return err;
	}
	return 0;
}

static int add_customers(struct gen *g, int n)
{
	struct rng *r = &g->r;
	char prev_last[64] = "", prev_home[32] = "", prev_addr[160] = "";
	bool prev_spanish = false;
	int err = 0;
	for (int i = 1; !err && i <= n; i++) {
		/* about 55 % German, 25 % Spanish, 20 % other names */
		unsigned kind = (unsigned)rng_below(r, 20);
		bool spanish = kind >= 11 && kind < 16, english = kind >= 16;
		/* one in ten shares the household (surname, landline, address) of the one before */
		bool partner = i > 1 && prev_home[0] && rng_below(r, 10) == 0;
		if (partner)
			spanish = prev_spanish, english = false;
		char name[160], last[64], email[160], a[64], b[64], addr[160], home[32], mobile[32],
		    ref[16], d[16];
		const char *first = spanish   ? pick(r, es_first, N_OF(es_first))
				    : english ? pick(r, en_first, N_OF(en_first))
					      : pick(r, de_first, N_OF(de_first));
		if (partner) {
			snprintf(last, sizeof(last), "%s", prev_last);
		} else if (spanish) {
			snprintf(last, sizeof(last), "%s %s", pick(r, es_last, N_OF(es_last)),
				 pick(r, es_last, N_OF(es_last)));
		} else {
			snprintf(last, sizeof(last), "%s",
				 english ? pick(r, en_last, N_OF(en_last))
					 : pick(r, de_last, N_OF(de_last)));
		}
		snprintf(name, sizeof(name), "%s %s", first, last);
		ascii_lower(first, a, sizeof(a));
		ascii_lower(last, b, sizeof(b));
		static const char *const domains[] = {"example.com", "example.net", "example.org"};
		snprintf(email, sizeof(email), "%s.%s%u@%s", a, b, (unsigned)rng_below(r, 100),
			 pick(r, domains, N_OF(domains)));
		const struct demo_city *city = &cities[rng_below(r, N_OF(cities))];
		if (partner) {
			snprintf(addr, sizeof(addr), "%s", prev_addr);
			snprintf(home, sizeof(home), "%s", prev_home);
		} else {
			snprintf(addr, sizeof(addr), "%s %u, %05u %s",
				 pick(r, streets, N_OF(streets)), 1 + (unsigned)rng_below(r, 120),
				 (unsigned)(city->zip_lo +
					    (int)rng_below(
						r, (uint64_t)(city->zip_hi - city->zip_lo + 1))),
				 city->name);
			digits(r, d, city->sub_digits);
			if (rng_below(r, 2))
				snprintf(home, sizeof(home), "+49%s%s", city->area, d);
			else
				home[0] = '\0';
		}
		digits(r, d, 7 + (int)rng_below(r, 2));
		snprintf(mobile, sizeof(mobile), "+49%s%s",
			 pick(r, mobile_prefixes, N_OF(mobile_prefixes)), d);
		snprintf(ref, sizeof(ref), "M%06d", 104000 + i * 13);
		const char *lang = spanish   ? (rng_below(r, 5) ? "es" : "de")
				   : english ? "en"
					     : "de";
		static const char *const notes[] = {
		    "Prefers e-mail to letters.",
		    "Hard of hearing: speak slowly and clearly.",
		    "Works shifts; best reached after 14:00.",
		    "Asked not to be offered new products.",
		};
		const char *note = rng_below(r, 8) == 0 ? pick(r, notes, N_OF(notes)) : NULL;
		char attrs[96];
		snprintf(attrs, sizeof(attrs), "{\"member_since\":%u,\"segment\":\"%s\"}",
			 1985 + (unsigned)rng_below(r, 40), rng_below(r, 6) ? "retail" : "premium");
		int64_t created = g->now - (int64_t)(30 + rng_below(r, 3000)) * DAY_MS;
		struct store_value cv[] = {store_int(i),      store_text(ref),	 store_text(name),
					   store_text(email), store_text(lang),	 store_text(note),
					   store_text(attrs), store_int(created)};
		err = gen_add(g, &s_customer, cv, 8);
		struct store_value pm[] = {store_int(i), store_text(mobile), store_text("mobile")};
		if (!err)
			err = gen_add(g, &s_phone, pm, 3);
		if (!err && home[0]) {
			struct store_value ph[] = {store_int(i), store_text(home),
						   store_text("home")};
			err = gen_add(g, &s_phone, ph, 3);
		}
		struct holdings h;
		if (!err)
			err = add_items(g, i, addr, &h);
		/* they call from the mobile mostly, from home sometimes */
		if (!err)
			err = add_history(g, i, home[0] && rng_below(r, 3) == 0 ? home : mobile,
					  strcmp(lang, "es") == 0, &h);
		snprintf(prev_last, sizeof(prev_last), "%s", last);
		snprintf(prev_home, sizeof(prev_home), "%s", home);
		snprintf(prev_addr, sizeof(prev_addr), "%s", addr);
		prev_spanish = spanish;
		if (partner)
			prev_home[0] = '\0'; /* households of two */
	}
	return err;
}

#define DEMO_CUSTOMERS 320

/* Adds dispositions, scripts, knowledge articles, customers and their history to the seed job. */
static int seed_content(struct store_job *job, int64_t now)
{
	struct gen g = {.job = job, .now = now};
	rng_seed(&g.r, 20240601);
	int err = 0;
	for (size_t i = 0; !err && i < N_DISPOSITIONS; i++) {
		const struct demo_disposition *d = &dispositions[i];
		struct store_value v[] = {store_int(d->id), store_text(d->code),
					  store_text(d->label), store_text(d->category),
					  store_int(d->note)};
		err = gen_add(&g, &s_disposition, v, 5);
	}
	for (size_t i = 0; !err && i < N_OF(scripts); i++) {
		char *body = script_json(&scripts[i]);
		if (!body)
			return ENOMEM;
		struct store_value v[] = {store_int(scripts[i].queue), store_text(scripts[i].name),
					  store_text(body), store_int(now)};
		err = gen_add(&g, &s_script, v, 4);
		cJSON_free(body);
	}
	for (size_t i = 0; !err && i < N_OF(articles); i++) {
		const struct demo_article *a = &articles[i];
		struct store_value v[] = {store_text(a->category), store_text(a->title),
					  store_text(a->body), store_text(a->tags),
					  store_int(now - (int64_t)(N_OF(articles) - i) * DAY_MS)};
		err = gen_add(&g, &s_article, v, 5);
	}
	if (!err)
		err = add_customers(&g, DEMO_CUSTOMERS);
	return err;
}

int demo_seed(struct store *st, int cost, int64_t now, bool *seeded)
{
	struct store_rs *rs = NULL;
	*seeded = false;
	int err = store_query_sync(st, &s_count_users, NULL, 0, &rs);
	if (err)
		return err;
	int64_t users = store_rs_int(rs, 0, 0);
	store_rs_free(rs);
	if (users > 0)
		return 0; /* not an empty database: leave it alone */

	char hash[PWHASH_STR_MAX];
	if ((err = pwhash_hash("demo", 4, (enum pwhash_cost)cost, hash)))
		return err;
	struct store_job *job;
	if ((err = store_job_alloc(&job)))
		return err;
	struct store_value t = store_int(now);
	err = add(job, &s_site, &t, 1) || add(job, &s_client, &t, 1) ? EINVAL : 0;

	/* users: 1 admin, 2 super1, 3 qa1, 4 planner1, 5 lead1, 6 lead2, 10+N agentN */
	static const struct {
		int64_t id;
		const char *login, *name, *role;
	} staff[] = {
	    {1, "admin", "Ada Admin", "admin"},	   {2, "super1", "Sam Supervisor", "supervisor"},
	    {3, "qa1", "Quinn Quality", "qa"},	   {4, "planner1", "Pat Planner", "planner"},
	    {5, "lead1", "Lee Lead", "team_lead"}, {6, "lead2", "Lou Lead", "team_lead"},
	};
	for (size_t i = 0; !err && i < sizeof(staff) / sizeof(staff[0]); i++) {
		char email[96];
		snprintf(email, sizeof(email), "%s@demo.example", staff[i].login);
		struct store_value v[] = {store_int(staff[i].id),    store_text(staff[i].login),
					  store_text(staff[i].name), store_text(email),
					  store_text(hash),	     t};
		struct store_value r[] = {store_int(staff[i].id), store_text(staff[i].role)};
		err = add(job, &s_user, v, 6) || add(job, &s_role, r, 2) ? EINVAL : 0;
	}
	/* teams: 1 and 2 work the queues, 3 is the team-leads group */
	static const struct {
		int64_t id, lead;
		const char *name;
	} teams[] = {{1, 5, "Team North"}, {2, 6, "Team South"}, {3, 0, "Team leads"}};
	for (size_t i = 0; !err && i < 3; i++) {
		struct store_value v[] = {store_int(teams[i].id), store_text(teams[i].name),
					  teams[i].lead ? store_int(teams[i].lead) : store_null(),
					  t};
		err = add(job, &s_team, v, 4);
	}
	static const struct {
		int64_t id;
		const char *name, *kind, *desc;
	} skills[] = {
	    {1, "general", "skill", "accounts, cards, everyday questions"},
	    {2, "billing", "skill", "statements, fees, payments"},
	    {3, "loans", "skill", "mortgages, car and personal loans"},
	    {4, "english", "language", "speaks English"},
	    {5, "spanish", "language", "speaks Spanish"},
	};
	for (size_t i = 0; !err && i < 5; i++) {
		struct store_value v[] = {store_int(skills[i].id), store_text(skills[i].name),
					  store_text(skills[i].kind), store_text(skills[i].desc)};
		err = add(job, &s_skill, v, 4);
	}
	/* agents 1..24 (users 11..34), the leads as agents 101 and 102 */
	for (int n = 1; !err && n <= 26; n++) {
		bool lead = n > 24;
		int64_t agent = lead ? 100 + (n - 24) : n;
		int64_t user = lead ? 4 + (n - 24) : 10 + n;
		char login[32], name[64], ext[16], h[33];
		snprintf(login, sizeof(login), "agent%d", n);
		snprintf(name, sizeof(name), lead ? "Lead %d" : "Agent %d", lead ? n - 24 : n);
		snprintf(ext, sizeof(ext), "%lld", (long long)(1000 + agent));
		ha1(ext, h);
		int64_t team = lead ? n - 24 : (n <= 12 ? 1 : 2);
		if (!lead) {
			char email[64];
			snprintf(email, sizeof(email), "%s@demo.example", login);
			struct store_value u[] = {store_int(user),  store_text(login),
						  store_text(name), store_text(email),
						  store_text(hash), t};
			struct store_value r[] = {store_int(user), store_text("agent")};
			err = add(job, &s_user, u, 6) || add(job, &s_role, r, 2) ? EINVAL : 0;
		}
		struct store_value a[] = {store_int(agent),	  store_int(user), store_text(name),
					  store_int(team),	  store_int(n),	   store_text(ext),
					  store_text(DEMO_REALM), store_text(h),   t};
		if (!err)
			err = add(job, &s_agent, a, 9);
		for (int s = 1; !err && s <= 5; s++) {
			if (!demo_level(n, s))
				continue;
			struct store_value v[] = {store_int(agent), store_int(s),
						  store_int(demo_level(n, s))};
			err = add(job, &s_agent_skill, v, 3);
		}
		if (!err && lead) {
			struct store_value g[] = {store_int(agent), store_int(3)};
			err = add(job, &s_agent_group, g, 2);
		}
	}
	/* queues: general, billing, loans, Spanish; team leads (group 3) takes their overflow */
	static const struct {
		int64_t id;
		const char *name, *strategy;
		int64_t group, max_wait, skill, lang, wrap;
		const char *overflow;
		int64_t overflow_q;
	} queues[] = {
	    /* the overflow target first: the others refer to it */
	    {5, "team-leads", "ring-all", 3, 0, 0, 0, 10000, "none", 0},
	    {1, "general", "longest-idle", 0, 300000, 1, 4, 15000, "queue", 5},
	    {2, "billing", "best-skill", 0, 300000, 2, 4, 20000, "queue", 5},
	    {3, "loans", "longest-idle", 0, 600000, 3, 4, 30000, "callback", 0},
	    {4, "general-es", "longest-idle", 0, 300000, 1, 5, 15000, "queue", 5},
	};
	for (size_t i = 0; !err && i < 5; i++) {
		struct store_value v[] = {
		    store_int(queues[i].id),
		    store_text(queues[i].name),
		    store_text(queues[i].strategy),
		    queues[i].group ? store_int(queues[i].group) : store_null(),
		    store_int(queues[i].max_wait),
		    store_text(queues[i].overflow),
		    queues[i].overflow_q ? store_int(queues[i].overflow_q) : store_null(),
		    store_int(queues[i].wrap),
		    t,
		};
		err = add(job, &s_queue, v, 9);
		for (int k = 0; !err && k < 2; k++) {
			int64_t skill = k ? queues[i].lang : queues[i].skill;
			if (!skill)
				continue;
			struct store_value q[] = {store_int(queues[i].id), store_int(skill),
						  store_int(k ? 1 : 3)};
			err = add(job, &s_queue_skill, q, 3);
		}
	}
	/* general widens after 60 s to lower levels */
	if (!err) {
		struct store_value v[] = {store_int(1), store_int(1), store_int(60000),
					  store_int(2), store_null()};
		err = add(job, &s_queue_tier, v, 5);
	}
	static const struct {
		const char *number;
		int64_t queue;
		const char *label;
	} numbers[] = {{"100", 1, "General line"},
		       {"101", 2, "Billing"},
		       {"102", 3, "Loans"},
		       {"103", 4, "Linea en espanol"}};
	for (size_t i = 0; !err && i < 4; i++) {
		struct store_value v[] = {store_text(numbers[i].number),
					  store_int(numbers[i].queue), store_text(numbers[i].label),
					  t};
		err = add(job, &s_number, v, 4);
	}
	if (!err)
		err = seed_content(job, now);
	if (err) {
		store_job_free(job);
		return err;
	}
	err = store_write_sync(st, job, NULL);
	if (!err)
		*seeded = true;
	return err;
}
