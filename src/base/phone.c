/* phone: E.164 normalisation of dialled or typed numbers (see phone.h). */
#include "base/phone.h"

#include <errno.h>
#include <string.h>

#define E164_MIN_DIGITS 7
#define E164_MAX_DIGITS 15
#define SCAN_MAX_DIGITS 32

static bool all_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool plan_ok(const struct phone_plan *plan)
{
	if (!plan || !plan->cc || !plan->intl)
		return false;
	if (!all_digits(plan->cc, 1, 3) || plan->cc[0] == '0')
		return false;
	if (!all_digits(plan->intl, 1, 4))
		return false;
	if (plan->trunk && !all_digits(plan->trunk, 0, 2))
		return false;
	return true;
}

static bool has_prefix(const char *digits, size_t nd, const char *prefix)
{
	size_t n = strlen(prefix);
	return n > 0 && nd > n && memcmp(digits, prefix, n) == 0;
}

static bool is_separator(char c)
{
	return c == ' ' || c == '\t' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')';
}

bool phone_is_e164(const char *s)
{
	return s && s[0] == '+' && all_digits(s + 1, E164_MIN_DIGITS, E164_MAX_DIGITS) &&
	       s[1] != '0';
}

int phone_normalize(const char *in, const struct phone_plan *plan, char *out, size_t outlen)
{
	char digits[SCAN_MAX_DIGITS + 1];
	size_t nd = 0;
	bool plus = false;

	if (!in || !out || !plan_ok(plan))
		return EINVAL;
	const char *trunk = plan->trunk ? plan->trunk : "";

	for (const char *p = in; *p; p++) {
		char c = *p;
		if (c == '+') {
			if (plus || nd > 0)
				return EINVAL;
			plus = true;
		} else if (c >= '0' && c <= '9') {
			if (nd == SCAN_MAX_DIGITS)
				return EINVAL;
			digits[nd++] = c;
		} else if (c == '(' && p[1] == '0' && p[2] == ')' && nd > 0 &&
			   (plus || has_prefix(digits, nd, plan->intl))) {
			/* "+49 (0)30 ...": the trunk prefix written in international form */
			p += 2;
		} else if (!is_separator(c)) {
			return EINVAL;
		}
	}
	digits[nd] = '\0';
	if (nd == 0)
		return EINVAL;

	/* the international digits: country code + national significant number */
	const char *cc = "";
	const char *rest = digits;
	size_t intl_len = strlen(plan->intl), trunk_len = strlen(trunk);
	bool intl_first = intl_len >= trunk_len;
	if (plus) {
		/* already international */
	} else if (intl_first && has_prefix(digits, nd, plan->intl)) {
		rest = digits + intl_len;
	} else if (has_prefix(digits, nd, trunk)) {
		cc = plan->cc;
		rest = digits + trunk_len;
	} else if (has_prefix(digits, nd, plan->intl)) {
		rest = digits + intl_len;
	} else {
		cc = plan->cc;
	}

	/*
	 * "+49 030 1234": the site's own trunk prefix written after its country
	 * code. National numbers never begin with the trunk prefix, so drop it.
	 */
	size_t site_cc_len = strlen(plan->cc);
	if (!cc[0] && trunk_len > 0 && strncmp(rest, plan->cc, site_cc_len) == 0 &&
	    strncmp(rest + site_cc_len, trunk, trunk_len) == 0) {
		size_t tail = strlen(rest + site_cc_len + trunk_len);
		memmove(digits, rest, site_cc_len);
		memmove(digits + site_cc_len, rest + site_cc_len + trunk_len, tail + 1);
		rest = digits;
	}

	size_t ncc = strlen(cc), nrest = strlen(rest);
	size_t total = ncc + nrest;
	if (total < E164_MIN_DIGITS || total > E164_MAX_DIGITS)
		return EINVAL;
	if ((ncc ? cc[0] : rest[0]) == '0')
		return EINVAL;
	if (outlen < total + 2)
		return ERANGE;
	out[0] = '+';
	memcpy(out + 1, cc, ncc);
	memcpy(out + 1 + ncc, rest, nrest);
	out[1 + total] = '\0';
	return 0;
}
