/* zone: time zone of an E.164 number (NANP area codes, a few countries) and zone-set names (see
 * zone.h). */
#include "core/dialer/zone.h"

#include "base/phone.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Zone sets, each written in canonical form (names sorted). */
enum zset {
	Z_NONE = 0,
	Z_ET,
	Z_CT,
	Z_MT,
	Z_AZ,
	Z_PT,
	Z_AK,
	Z_HI,
	Z_CT_ET,
	Z_CT_MT,
	Z_MT_PT,
	Z_AZ_MT,
	Z_AK_ADAK,
	Z_TOR,
	Z_WPG,
	Z_EDM,
	Z_VAN,
	Z_REG,
	Z_HFX,
	Z_MON,
	Z_STJ,
	Z_EDM_VAN,
	Z_EDM_REG,
	Z_TOR_WPG,
	Z_HFX_TOR,
	Z_HFX_STJ,
	Z_NORTH,
	Z_PR,
	Z_VI,
	Z_GU,
	Z_MP,
	Z_AS,
	Z_BS,
	Z_BB,
	Z_BM,
	Z_KY,
	Z_JM,
	Z_DO,
	Z_TT,
	Z_COUNT
};

static const char *const zset_name[Z_COUNT] = {
    [Z_NONE] = NULL,
    [Z_ET] = "America/New_York",
    [Z_CT] = "America/Chicago",
    [Z_MT] = "America/Denver",
    [Z_AZ] = "America/Phoenix",
    [Z_PT] = "America/Los_Angeles",
    [Z_AK] = "America/Anchorage",
    [Z_HI] = "Pacific/Honolulu",
    [Z_CT_ET] = "America/Chicago|America/New_York",
    [Z_CT_MT] = "America/Chicago|America/Denver",
    [Z_MT_PT] = "America/Denver|America/Los_Angeles",
    [Z_AZ_MT] = "America/Denver|America/Phoenix",
    [Z_AK_ADAK] = "America/Adak|America/Anchorage",
    [Z_TOR] = "America/Toronto",
    [Z_WPG] = "America/Winnipeg",
    [Z_EDM] = "America/Edmonton",
    [Z_VAN] = "America/Vancouver",
    [Z_REG] = "America/Regina",
    [Z_HFX] = "America/Halifax",
    [Z_MON] = "America/Moncton",
    [Z_STJ] = "America/St_Johns",
    [Z_EDM_VAN] = "America/Edmonton|America/Vancouver",
    [Z_EDM_REG] = "America/Edmonton|America/Regina",
    [Z_TOR_WPG] = "America/Toronto|America/Winnipeg",
    [Z_HFX_TOR] = "America/Halifax|America/Toronto",
    [Z_HFX_STJ] = "America/Halifax|America/St_Johns",
    [Z_NORTH] = "America/Edmonton|America/Toronto|America/Whitehorse|America/Winnipeg",
    [Z_PR] = "America/Puerto_Rico",
    [Z_VI] = "America/St_Thomas",
    [Z_GU] = "Pacific/Guam",
    [Z_MP] = "Pacific/Saipan",
    [Z_AS] = "Pacific/Pago_Pago",
    [Z_BS] = "America/Nassau",
    [Z_BB] = "America/Barbados",
    [Z_BM] = "Atlantic/Bermuda",
    [Z_KY] = "America/Cayman",
    [Z_JM] = "America/Jamaica",
    [Z_DO] = "America/Santo_Domingo",
    [Z_TT] = "America/Port_of_Spain",
};

/*
 * NANP area code -> zone set. Geographic codes in service or assigned as
 * overlays; an area code whose territory spans two zones maps to both (the
 * window must then be open in both). Codes not listed (toll-free 8xx,
 * 5xx/6xx personal and non-geographic codes, 900, unassigned codes, the
 * Caribbean countries not below) derive nothing.
 */
static const uint8_t nanp[1000] = {
    /* Alabama */
    [205] = Z_CT,
    [251] = Z_CT,
    [256] = Z_CT,
    [334] = Z_CT,
    [659] = Z_CT,
    [938] = Z_CT,
    /* Alaska (the western Aleutians keep Hawaii-Aleutian time) */
    [907] = Z_AK_ADAK,
    /* Arizona (no daylight saving; the Navajo Nation in 928 keeps it) */
    [480] = Z_AZ,
    [520] = Z_AZ,
    [602] = Z_AZ,
    [623] = Z_AZ,
    [928] = Z_AZ_MT,
    /* Arkansas */
    [327] = Z_CT,
    [479] = Z_CT,
    [501] = Z_CT,
    [870] = Z_CT,
    /* California */
    [209] = Z_PT,
    [213] = Z_PT,
    [279] = Z_PT,
    [310] = Z_PT,
    [323] = Z_PT,
    [341] = Z_PT,
    [350] = Z_PT,
    [408] = Z_PT,
    [415] = Z_PT,
    [424] = Z_PT,
    [442] = Z_PT,
    [510] = Z_PT,
    [530] = Z_PT,
    [559] = Z_PT,
    [562] = Z_PT,
    [619] = Z_PT,
    [626] = Z_PT,
    [628] = Z_PT,
    [650] = Z_PT,
    [657] = Z_PT,
    [661] = Z_PT,
    [669] = Z_PT,
    [707] = Z_PT,
    [714] = Z_PT,
    [747] = Z_PT,
    [760] = Z_PT,
    [805] = Z_PT,
    [818] = Z_PT,
    [820] = Z_PT,
    [831] = Z_PT,
    [840] = Z_PT,
    [858] = Z_PT,
    [909] = Z_PT,
    [916] = Z_PT,
    [925] = Z_PT,
    [949] = Z_PT,
    [951] = Z_PT,
    /* Colorado */
    [303] = Z_MT,
    [719] = Z_MT,
    [720] = Z_MT,
    [970] = Z_MT,
    [983] = Z_MT,
    /* Connecticut */
    [203] = Z_ET,
    [475] = Z_ET,
    [860] = Z_ET,
    [959] = Z_ET,
    /* Delaware, District of Columbia */
    [302] = Z_ET,
    [202] = Z_ET,
    [771] = Z_ET,
    /* Florida (the western panhandle, 850 and its overlay 448, keeps Central time) */
    [239] = Z_ET,
    [305] = Z_ET,
    [321] = Z_ET,
    [324] = Z_ET,
    [352] = Z_ET,
    [386] = Z_ET,
    [407] = Z_ET,
    [561] = Z_ET,
    [645] = Z_ET,
    [656] = Z_ET,
    [689] = Z_ET,
    [727] = Z_ET,
    [728] = Z_ET,
    [754] = Z_ET,
    [772] = Z_ET,
    [786] = Z_ET,
    [813] = Z_ET,
    [863] = Z_ET,
    [904] = Z_ET,
    [941] = Z_ET,
    [954] = Z_ET,
    [448] = Z_CT_ET,
    [850] = Z_CT_ET,
    /* Georgia */
    [229] = Z_ET,
    [404] = Z_ET,
    [470] = Z_ET,
    [478] = Z_ET,
    [678] = Z_ET,
    [706] = Z_ET,
    [762] = Z_ET,
    [770] = Z_ET,
    [912] = Z_ET,
    [943] = Z_ET,
    /* Hawaii */
    [808] = Z_HI,
    /* Idaho (south Mountain, the panhandle Pacific) */
    [208] = Z_MT_PT,
    [986] = Z_MT_PT,
    /* Illinois */
    [217] = Z_CT,
    [224] = Z_CT,
    [309] = Z_CT,
    [312] = Z_CT,
    [331] = Z_CT,
    [447] = Z_CT,
    [464] = Z_CT,
    [618] = Z_CT,
    [630] = Z_CT,
    [708] = Z_CT,
    [730] = Z_CT,
    [773] = Z_CT,
    [779] = Z_CT,
    [815] = Z_CT,
    [847] = Z_CT,
    [872] = Z_CT,
    /* Indiana (the north-west and south-west corners keep Central time) */
    [260] = Z_ET,
    [317] = Z_ET,
    [463] = Z_ET,
    [765] = Z_ET,
    [219] = Z_CT_ET,
    [574] = Z_CT_ET,
    [812] = Z_CT_ET,
    [930] = Z_CT_ET,
    /* Iowa */
    [319] = Z_CT,
    [515] = Z_CT,
    [563] = Z_CT,
    [641] = Z_CT,
    [712] = Z_CT,
    /* Kansas (a few western counties keep Mountain time) */
    [316] = Z_CT,
    [913] = Z_CT,
    [620] = Z_CT_MT,
    [785] = Z_CT_MT,
    /* Kentucky (the west Central, the east Eastern) */
    [502] = Z_ET,
    [606] = Z_ET,
    [859] = Z_ET,
    [270] = Z_CT_ET,
    [364] = Z_CT_ET,
    /* Louisiana */
    [225] = Z_CT,
    [318] = Z_CT,
    [337] = Z_CT,
    [504] = Z_CT,
    [985] = Z_CT,
    /* Maine */
    [207] = Z_ET,
    /* Maryland */
    [227] = Z_ET,
    [240] = Z_ET,
    [301] = Z_ET,
    [410] = Z_ET,
    [443] = Z_ET,
    [667] = Z_ET,
    /* Massachusetts */
    [339] = Z_ET,
    [351] = Z_ET,
    [413] = Z_ET,
    [508] = Z_ET,
    [617] = Z_ET,
    [774] = Z_ET,
    [781] = Z_ET,
    [857] = Z_ET,
    [978] = Z_ET,
    /* Michigan (four Upper Peninsula counties keep Central time) */
    [231] = Z_ET,
    [248] = Z_ET,
    [269] = Z_ET,
    [313] = Z_ET,
    [517] = Z_ET,
    [586] = Z_ET,
    [616] = Z_ET,
    [679] = Z_ET,
    [734] = Z_ET,
    [810] = Z_ET,
    [947] = Z_ET,
    [989] = Z_ET,
    [906] = Z_CT_ET,
    /* Minnesota */
    [218] = Z_CT,
    [320] = Z_CT,
    [507] = Z_CT,
    [612] = Z_CT,
    [651] = Z_CT,
    [763] = Z_CT,
    [952] = Z_CT,
    /* Mississippi */
    [228] = Z_CT,
    [601] = Z_CT,
    [662] = Z_CT,
    [769] = Z_CT,
    /* Missouri */
    [314] = Z_CT,
    [417] = Z_CT,
    [557] = Z_CT,
    [573] = Z_CT,
    [636] = Z_CT,
    [660] = Z_CT,
    [816] = Z_CT,
    [975] = Z_CT,
    /* Montana */
    [406] = Z_MT,
    /* Nebraska (the panhandle keeps Mountain time) */
    [402] = Z_CT,
    [531] = Z_CT,
    [308] = Z_CT_MT,
    /* Nevada (West Wendover, in 775, keeps Mountain time) */
    [702] = Z_PT,
    [725] = Z_PT,
    [775] = Z_MT_PT,
    /* New Hampshire */
    [603] = Z_ET,
    /* New Jersey */
    [201] = Z_ET,
    [551] = Z_ET,
    [609] = Z_ET,
    [640] = Z_ET,
    [732] = Z_ET,
    [848] = Z_ET,
    [856] = Z_ET,
    [862] = Z_ET,
    [908] = Z_ET,
    [973] = Z_ET,
    /* New Mexico */
    [505] = Z_MT,
    [575] = Z_MT,
    /* New York */
    [212] = Z_ET,
    [315] = Z_ET,
    [332] = Z_ET,
    [347] = Z_ET,
    [363] = Z_ET,
    [516] = Z_ET,
    [518] = Z_ET,
    [585] = Z_ET,
    [607] = Z_ET,
    [624] = Z_ET,
    [631] = Z_ET,
    [646] = Z_ET,
    [680] = Z_ET,
    [716] = Z_ET,
    [718] = Z_ET,
    [838] = Z_ET,
    [845] = Z_ET,
    [914] = Z_ET,
    [917] = Z_ET,
    [929] = Z_ET,
    [934] = Z_ET,
    /* North Carolina */
    [252] = Z_ET,
    [336] = Z_ET,
    [472] = Z_ET,
    [704] = Z_ET,
    [743] = Z_ET,
    [828] = Z_ET,
    [910] = Z_ET,
    [919] = Z_ET,
    [980] = Z_ET,
    [984] = Z_ET,
    /* North Dakota (the south-west keeps Mountain time) */
    [701] = Z_CT_MT,
    /* Ohio */
    [216] = Z_ET,
    [220] = Z_ET,
    [234] = Z_ET,
    [283] = Z_ET,
    [326] = Z_ET,
    [330] = Z_ET,
    [380] = Z_ET,
    [419] = Z_ET,
    [436] = Z_ET,
    [440] = Z_ET,
    [513] = Z_ET,
    [567] = Z_ET,
    [614] = Z_ET,
    [740] = Z_ET,
    [937] = Z_ET,
    /* Oklahoma */
    [405] = Z_CT,
    [539] = Z_CT,
    [572] = Z_CT,
    [580] = Z_CT,
    [918] = Z_CT,
    /* Oregon (Malheur County keeps Mountain time) */
    [503] = Z_PT,
    [971] = Z_PT,
    [458] = Z_MT_PT,
    [541] = Z_MT_PT,
    /* Pennsylvania */
    [215] = Z_ET,
    [223] = Z_ET,
    [267] = Z_ET,
    [272] = Z_ET,
    [412] = Z_ET,
    [445] = Z_ET,
    [484] = Z_ET,
    [570] = Z_ET,
    [582] = Z_ET,
    [610] = Z_ET,
    [717] = Z_ET,
    [724] = Z_ET,
    [814] = Z_ET,
    [835] = Z_ET,
    [878] = Z_ET,
    /* Rhode Island */
    [401] = Z_ET,
    /* South Carolina */
    [803] = Z_ET,
    [839] = Z_ET,
    [843] = Z_ET,
    [854] = Z_ET,
    [864] = Z_ET,
    /* South Dakota (the west keeps Mountain time) */
    [605] = Z_CT_MT,
    /* Tennessee (the east Eastern, the rest Central; 423 and 931 straddle the line) */
    [865] = Z_ET,
    [615] = Z_CT,
    [629] = Z_CT,
    [731] = Z_CT,
    [901] = Z_CT,
    [423] = Z_CT_ET,
    [931] = Z_CT_ET,
    /* Texas (El Paso and the far west keep Mountain time) */
    [210] = Z_CT,
    [214] = Z_CT,
    [254] = Z_CT,
    [281] = Z_CT,
    [325] = Z_CT,
    [346] = Z_CT,
    [361] = Z_CT,
    [409] = Z_CT,
    [430] = Z_CT,
    [469] = Z_CT,
    [512] = Z_CT,
    [682] = Z_CT,
    [713] = Z_CT,
    [726] = Z_CT,
    [737] = Z_CT,
    [806] = Z_CT,
    [817] = Z_CT,
    [830] = Z_CT,
    [832] = Z_CT,
    [903] = Z_CT,
    [936] = Z_CT,
    [940] = Z_CT,
    [945] = Z_CT,
    [956] = Z_CT,
    [972] = Z_CT,
    [979] = Z_CT,
    [432] = Z_CT_MT,
    [915] = Z_MT,
    /* Utah */
    [385] = Z_MT,
    [435] = Z_MT,
    [801] = Z_MT,
    /* Vermont */
    [802] = Z_ET,
    /* Virginia */
    [276] = Z_ET,
    [434] = Z_ET,
    [540] = Z_ET,
    [571] = Z_ET,
    [703] = Z_ET,
    [757] = Z_ET,
    [804] = Z_ET,
    [826] = Z_ET,
    [948] = Z_ET,
    /* Washington */
    [206] = Z_PT,
    [253] = Z_PT,
    [360] = Z_PT,
    [425] = Z_PT,
    [509] = Z_PT,
    [564] = Z_PT,
    /* West Virginia */
    [304] = Z_ET,
    [681] = Z_ET,
    /* Wisconsin */
    [262] = Z_CT,
    [274] = Z_CT,
    [353] = Z_CT,
    [414] = Z_CT,
    [534] = Z_CT,
    [608] = Z_CT,
    [715] = Z_CT,
    [920] = Z_CT,
    /* Wyoming */
    [307] = Z_MT,
    /* US territories */
    [787] = Z_PR,
    [939] = Z_PR,
    [340] = Z_VI,
    [671] = Z_GU,
    [670] = Z_MP,
    [684] = Z_AS,
    /* Canada: Alberta */
    [368] = Z_EDM,
    [403] = Z_EDM,
    [587] = Z_EDM,
    [780] = Z_EDM,
    [825] = Z_EDM,
    /* British Columbia (the north-east and the Kootenays keep Mountain time) */
    [604] = Z_VAN,
    [236] = Z_EDM_VAN,
    [250] = Z_EDM_VAN,
    [672] = Z_EDM_VAN,
    [778] = Z_EDM_VAN,
    /* Manitoba */
    [204] = Z_WPG,
    [431] = Z_WPG,
    [584] = Z_WPG,
    /* New Brunswick */
    [428] = Z_MON,
    [506] = Z_MON,
    /* Newfoundland and Labrador (most of Labrador keeps Atlantic time) */
    [709] = Z_HFX_STJ,
    /* Nova Scotia, Prince Edward Island */
    [782] = Z_HFX,
    [902] = Z_HFX,
    /* Ontario (the north-west keeps Central time) */
    [226] = Z_TOR,
    [249] = Z_TOR,
    [289] = Z_TOR,
    [343] = Z_TOR,
    [365] = Z_TOR,
    [382] = Z_TOR,
    [416] = Z_TOR,
    [437] = Z_TOR,
    [519] = Z_TOR,
    [548] = Z_TOR,
    [613] = Z_TOR,
    [647] = Z_TOR,
    [683] = Z_TOR,
    [705] = Z_TOR,
    [742] = Z_TOR,
    [753] = Z_TOR,
    [905] = Z_TOR,
    [807] = Z_TOR_WPG,
    /* Quebec (the Lower North Shore and the Magdalen Islands keep Atlantic time) */
    [263] = Z_TOR,
    [354] = Z_TOR,
    [438] = Z_TOR,
    [450] = Z_TOR,
    [468] = Z_TOR,
    [514] = Z_TOR,
    [579] = Z_TOR,
    [819] = Z_TOR,
    [873] = Z_TOR,
    [367] = Z_HFX_TOR,
    [418] = Z_HFX_TOR,
    [581] = Z_HFX_TOR,
    /* Saskatchewan (no daylight saving; Lloydminster keeps Alberta time) */
    [306] = Z_EDM_REG,
    [474] = Z_EDM_REG,
    [639] = Z_EDM_REG,
    /* Yukon, Northwest Territories, Nunavut */
    [867] = Z_NORTH,
    /* Caribbean and Atlantic countries of the NANP (a few) */
    [242] = Z_BS,
    [246] = Z_BB,
    [441] = Z_BM,
    [345] = Z_KY,
    [658] = Z_JM,
    [876] = Z_JM,
    [809] = Z_DO,
    [829] = Z_DO,
    [849] = Z_DO,
    [868] = Z_TT,
};

/* Other countries, by the longest matching prefix of the E.164 digits. */
struct prefix_zone {
	const char *prefix;
	const char *zone;
};

static const struct prefix_zone countries[] = {
    {"27", "Africa/Johannesburg"},
    {"30", "Europe/Athens"},
    {"31", "Europe/Amsterdam"},
    {"32", "Europe/Brussels"},
    {"33", "Europe/Paris"}, /* metropolitan France; overseas departments have codes of their own */
    {"34", "Europe/Madrid"},
    {"346", "Atlantic/Canary|Europe/Madrid"}, /* mobiles: anywhere in Spain */
    {"347", "Atlantic/Canary|Europe/Madrid"},
    {"34822", "Atlantic/Canary"},
    {"34828", "Atlantic/Canary"},
    {"34922", "Atlantic/Canary"},
    {"34928", "Atlantic/Canary"},
    {"351", "Europe/Lisbon"},		       /* Madeira keeps Lisbon's time */
    {"3519", "Atlantic/Azores|Europe/Lisbon"}, /* mobiles */
    {"351292", "Atlantic/Azores"},
    {"351295", "Atlantic/Azores"},
    {"351296", "Atlantic/Azores"},
    {"353", "Europe/Dublin"},
    {"358", "Europe/Helsinki"},
    {"36", "Europe/Budapest"},
    {"39", "Europe/Rome"},
    {"41", "Europe/Zurich"},
    {"420", "Europe/Prague"},
    {"43", "Europe/Vienna"},
    {"44", "Europe/London"},
    {"45", "Europe/Copenhagen"},
    {"46", "Europe/Stockholm"},
    {"47", "Europe/Oslo"},
    {"48", "Europe/Warsaw"},
    {"49", "Europe/Berlin"},
    {"65", "Asia/Singapore"},
    {"81", "Asia/Tokyo"},
    {"91", "Asia/Kolkata"},
};

static int put_str(const char *s, char *out, size_t len)
{
	size_t n = strlen(s);
	if (n + 1 > len)
		return ERANGE;
	memcpy(out, s, n + 1);
	return 0;
}

int dialer_zone_for_number(const char *e164, char *out, size_t len)
{
	if (!out || !len)
		return EINVAL;
	out[0] = '\0';
	if (!phone_is_e164(e164))
		return EINVAL;
	const char *d = e164 + 1;
	if (d[0] == '1') {
		/* NANP: +1 NPA NXX XXXX, ten digits after the 1 */
		if (strlen(d) != 11)
			return ENOENT;
		unsigned npa = (unsigned)(d[1] - '0') * 100 + (unsigned)(d[2] - '0') * 10 +
			       (unsigned)(d[3] - '0');
		uint8_t z = nanp[npa];
		if (z == Z_NONE)
			return ENOENT;
		return put_str(zset_name[z], out, len);
	}
	const char *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < sizeof(countries) / sizeof(countries[0]); i++) {
		size_t n = strlen(countries[i].prefix);
		if (n > best_len && strncmp(d, countries[i].prefix, n) == 0) {
			best = countries[i].zone;
			best_len = n;
		}
	}
	if (!best)
		return ENOENT;
	return put_str(best, out, len);
}

static bool name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '+';
}

/* A well-formed zone name: parts of name characters separated by single '/'. */
static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n >= DIALER_ZONE_NAME_MAX || s[0] == '/' || s[n - 1] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '/') {
			if (s[i + 1] == '/')
				return false;
		} else if (!name_char(s[i])) {
			return false;
		}
	}
	return true;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

int dialer_zone_canon(const char *in, char *out, size_t len)
{
	char names[DIALER_ZONES_PER_SET][DIALER_ZONE_NAME_MAX];
	unsigned n = 0;
	if (!in || !out || !len)
		return EINVAL;
	out[0] = '\0';
	const char *p = in;
	for (;;) {
		const char *bar = strchr(p, '|');
		const char *e = bar ? bar : p + strlen(p);
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		size_t k = (size_t)(e - p);
		if (!name_ok(p, k))
			return EINVAL;
		bool dup = false;
		for (unsigned i = 0; i < n; i++)
			if (strlen(names[i]) == k && memcmp(names[i], p, k) == 0)
				dup = true;
		if (!dup) {
			if (n == DIALER_ZONES_PER_SET)
				return EINVAL;
			memcpy(names[n], p, k);
			names[n][k] = '\0';
			n++;
		}
		if (!bar)
			break;
		p = bar + 1;
	}
	qsort(names, n, sizeof(names[0]), cmp_name);
	size_t used = 0;
	for (unsigned i = 0; i < n; i++) {
		size_t k = strlen(names[i]);
		if (used + k + (i ? 1 : 0) + 1 > len) {
			out[0] = '\0';
			return ERANGE;
		}
		if (i)
			out[used++] = '|';
		memcpy(out + used, names[i], k);
		used += k;
	}
	out[used] = '\0';
	return 0;
}

unsigned dialer_zone_split(const char *set, char names[DIALER_ZONES_PER_SET][DIALER_ZONE_NAME_MAX])
{
	unsigned n = 0;
	const char *p = set;
	while (p && *p && n < DIALER_ZONES_PER_SET) {
		const char *bar = strchr(p, '|');
		size_t k = bar ? (size_t)(bar - p) : strlen(p);
		if (k >= DIALER_ZONE_NAME_MAX)
			k = DIALER_ZONE_NAME_MAX - 1;
		memcpy(names[n], p, k);
		names[n][k] = '\0';
		n++;
		p = bar ? bar + 1 : NULL;
	}
	return n;
}
