/* api_campaigns: the outbound routes (campaigns, lead lists, leads, do-not-call, reports). */
#ifndef SB_SERVER_API_CAMPAIGNS_H
#define SB_SERVER_API_CAMPAIGNS_H

struct api;

/* Registers the /api/v1/campaigns... and /api/v1/dnc... routes. */
int api_campaign_routes(struct api *a);
/* Starts again the campaigns stored as running (at start-up, once SIP is up); logs failures. */
void api_campaigns_resume(struct api *a);

#include <stdint.h>

struct dialer_local;

/* The dialer core's localtime callback reading tzdata ($TZDIR or /usr/share/zoneinfo); arg is a
 * cache from api_tzcache_new(), freed with api_tzcache_free(). */
int api_tz_local(const char *zone, int64_t utc_ms, struct dialer_local *out, void *arg);
void *api_tzcache_new(void);
void api_tzcache_free(void *cache);

#endif
