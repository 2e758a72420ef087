/* api_campaigns: the outbound routes (campaigns, lead lists, leads, do-not-call, reports). */
#ifndef SB_SERVER_API_CAMPAIGNS_H
#define SB_SERVER_API_CAMPAIGNS_H

struct api;

/* Registers the /api/v1/campaigns... and /api/v1/dnc... routes. */
int api_campaign_routes(struct api *a);

#endif
