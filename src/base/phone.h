/* phone: normalises dialled or typed telephone numbers to E.164 with a site's dialling plan. */
#ifndef SB_BASE_PHONE_H
#define SB_BASE_PHONE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest E.164 number: '+', 15 digits, NUL. */
#define PHONE_E164_MAX 17

/*
 * A site's dialling plan, as digit strings:
 *   cc    country calling code, 1-3 digits, not starting with 0 ("49", "1", "44")
 *   trunk national trunk prefix, 0-2 digits ("0" in Germany, "1" in the NANP, "" none)
 *   intl  international call prefix, 1-4 digits ("00", "011")
 */
struct phone_plan {
	const char *cc;
	const char *trunk;
	const char *intl;
};

/*
 * Writes the E.164 form ("+49301234") of `in` to out (outlen bytes, at least
 * PHONE_E164_MAX is always enough). Accepts "+49 30 1234", "0049 30 1234",
 * "030 1234" (with plan DE), "+49 (0)30 1234", "(212) 555-0100" and
 * "1-212-555-0100" (plan US): spaces, '-', '.', '/' and parentheses are
 * separators. A number that starts with neither '+', the international
 * prefix nor the trunk prefix is taken as a national significant number.
 * Returns 0; EINVAL for anything else (letters, '*', '#', a '+' not in
 * front, no digits, fewer than 7 or more than 15 digits, a country code
 * starting with 0, a bad plan); ERANGE when out is too small.
 */
int phone_normalize(const char *in, const struct phone_plan *plan, char *out, size_t outlen);

/* Checks that `s` is already in E.164 form ('+', 7-15 digits, the first not 0). */
bool phone_is_e164(const char *s);

#endif
