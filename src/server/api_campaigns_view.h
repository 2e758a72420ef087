/* api_campaigns_view: routes for the browser's campaign screens (the agent's campaign callbacks).
 */
#ifndef SB_SERVER_API_CAMPAIGNS_VIEW_H
#define SB_SERVER_API_CAMPAIGNS_VIEW_H

struct api;

/* Registers GET /api/v1/campaign-callbacks. */
int api_campaign_view_routes(struct api *a);

#endif
