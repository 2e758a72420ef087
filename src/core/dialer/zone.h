/* zone: the called person's time zone: derived from an E.164 number (a few countries, NANP area
 * codes), zone-set names, and the check that a name is well-formed. */
#ifndef SB_CORE_DIALER_ZONE_H
#define SB_CORE_DIALER_ZONE_H

/*
 * A lead's zone is an IANA time-zone name ("America/Chicago"), or a set of
 * them written "A|B" when the number alone cannot say which (an area code
 * that spans two zones). A lead whose zone is a set may be called only
 * while the calling window is open in every zone of the set: the strict
 * reading, since the person may be in any of them.
 *
 * The core cannot read tzdata; it checks that names are well-formed, and
 * the dialer's time callback (dialer.h) says whether it knows them.
 *
 * Derivation (dialer_zone_for_number) covers the NANP (+1: the United
 * States by area code, Canada, US territories, a few Caribbean countries)
 * and a few single-zone countries; the table and its limits are in
 * docs/dialer.md. Numbers are portable and mobiles travel: the derived zone
 * is where the number was issued, not where the person is. The lead list
 * can always give the zone in a column instead.
 */

#include <stddef.h>

#define DIALER_ZONE_MAX	     128 /* bytes of a zone or zone set, with the NUL */
#define DIALER_ZONE_NAME_MAX 48	 /* bytes of one zone name, with the NUL */
#define DIALER_ZONES_PER_SET 4

/*
 * Writes the zone (or canonical zone set) of an E.164 number to out.
 * Returns 0; ENOENT when the table has no entry (a country not covered, an
 * unknown or non-geographic area code such as 800); EINVAL when e164 is
 * not E.164; ERANGE when out is too small.
 */
int dialer_zone_for_number(const char *e164, char *out, size_t len);

/*
 * Canonical form of a zone or zone set: the names separated by '|', each
 * well-formed (letters, digits, '_', '-', '+', '/' between parts; at most
 * DIALER_ZONE_NAME_MAX - 1 bytes), surrounding spaces removed, sorted,
 * duplicates dropped, at most DIALER_ZONES_PER_SET names. Returns 0,
 * EINVAL (why it is not a zone is then in the result's absence), ERANGE.
 */
int dialer_zone_canon(const char *in, char *out, size_t len);

/* Splits a canonical set into its names (copied into names[i]); returns how many. */
unsigned dialer_zone_split(const char *set, char names[DIALER_ZONES_PER_SET][DIALER_ZONE_NAME_MAX]);

#endif
